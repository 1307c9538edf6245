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
