package handlers

import (
	"net/http"

	"context"
	"errors"
	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
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

// WithRetryCheck: a check that says stop ends the handling before the next
// retry wait, with an error wrapping both the check's and the last failure;
// a check that says go on lets the retry happen.
func TestRetryCheckStopsBeforeTheWait(t *testing.T) {
	t.Parallel()
	stop := errors.New("department paused")
	for _, tt := range []struct {
		name  string
		check func() error
		want  error // nil: the event succeeds on its second attempt
	}{
		{"stop", func() error { return stop }, stop},
		{"go on", func() error { return nil }, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t, 0, RetryOptions{})
			f.srv.FailNext(mykaarmatest.OpSearch, 1, http.StatusServiceUnavailable)
			out, err := f.h.Handle(WithRetryCheck(t.Context(), tt.check), leadEvent())
			if tt.want == nil {
				if err != nil || out.Attempts != 2 {
					t.Fatalf("Handle = %+v, %v; want success after 2 attempts", out, err)
				}
				return
			}
			var se *StepError
			if !errors.Is(err, stop) || !errors.Is(err, mykaarma.ErrTransient) || !errors.As(err, &se) || se.Attempts != 1 {
				t.Fatalf("Handle error = %v; want a StepError after 1 attempt wrapping the check's error and the 503", err)
			}
			if w := f.recordedWaits(); len(w) != 0 {
				t.Errorf("waits = %v; want none", w)
			}
		})
	}
}
