package handlers

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSleepCtx(t *testing.T) {
	t.Parallel()
	if err := sleepCtx(t.Context(), 0); err != nil {
		t.Errorf("sleepCtx(0) = %v; want nil", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepCtx(cancelled, 1h) = %v; want context.Canceled", err)
	}
}

func TestRetryDefaults(t *testing.T) {
	t.Parallel()
	got, err := RetryOptions{}.withDefaults()
	want := RetryOptions{InitialInterval: 200 * time.Millisecond, MaxInterval: 10 * time.Second, Multiplier: 2,
		Jitter: 0.5, MaxElapsed: 2 * time.Minute}
	if err != nil || got != want {
		t.Errorf("withDefaults() = %+v, %v; want %+v", got, err, want)
	}
}

func TestRetryOptionsDefaultsAndOff(t *testing.T) {
	tests := []struct {
		name string
		in   RetryOptions
		want float64 // Jitter after defaults
	}{
		{"zero takes the default", RetryOptions{}, DefaultRetry().Jitter},
		{"negative turns jitter off", RetryOptions{Jitter: -1}, 0},
		{"set", RetryOptions{Jitter: 0.2}, 0.2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.withDefaults()
			if err != nil || got.Jitter != tt.want {
				t.Errorf("withDefaults() Jitter = %v, %v; want %v", got.Jitter, err, tt.want)
			}
		})
	}
}
