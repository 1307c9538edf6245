package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/leadworker/leadworker/mykaarma"
)

// RetryOptions shapes the exponential backoff between flow attempts. Zero fields take the
// defaults in brackets.
type RetryOptions struct {
	InitialInterval time.Duration // first wait [200ms]
	MaxInterval     time.Duration // cap on the un-randomised wait [10s]
	Multiplier      float64       // growth per attempt, >= 1 [2]
	Jitter          float64       // randomization factor, 0..1 [0.5]; negative: none
	MaxElapsed      time.Duration // retry budget from the first attempt [2m]
	MaxAttempts     int           // 0 = bounded only by MaxElapsed
}

// DefaultRetry are the retry defaults.
func DefaultRetry() RetryOptions {
	return RetryOptions{InitialInterval: 200 * time.Millisecond, MaxInterval: 10 * time.Second, Multiplier: 2, Jitter: 0.5, MaxElapsed: 2 * time.Minute}
}

func (r RetryOptions) withDefaults() (RetryOptions, error) {
	if r.InitialInterval < 0 || r.MaxInterval < 0 || r.MaxElapsed < 0 || r.MaxAttempts < 0 ||
		r.Jitter > 1 || (r.Multiplier != 0 && r.Multiplier < 1) {
		return r, fmt.Errorf("handlers: invalid RetryOptions %+v: durations and attempts must not be negative, Jitter must be at most 1, Multiplier >= 1", r)
	}
	d := DefaultRetry()
	if r.InitialInterval == 0 {
		r.InitialInterval = d.InitialInterval
	}
	if r.MaxInterval == 0 {
		r.MaxInterval = d.MaxInterval
	}
	if r.Multiplier == 0 {
		r.Multiplier = d.Multiplier
	}
	switch {
	case r.Jitter == 0:
		r.Jitter = d.Jitter
	case r.Jitter < 0:
		r.Jitter = 0 // none
	}
	if r.MaxElapsed == 0 {
		r.MaxElapsed = d.MaxElapsed
	}
	return r, nil
}

// clockFunc adapts a now function to backoff.Clock.
type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f() }

// retrying runs try until it succeeds, fails for good or the budget runs out. Only
// failures classed mykaarma.ErrTransient are retried; before each retry it waits the next
// backoff, or the server's Retry-After when that is longer, and marks the retry as an
// event on ctx's span. A failure whose wait would end
// past MaxElapsed, or a MaxAttempts-th failure, ends in ErrExhausted. When ctx ends,
// the error wraps ctx.Err() and is not a StepError.
func (h *Handler) retrying(ctx context.Context, try func(ctx context.Context, attempt int) (*Outcome, *StepError)) (*Outcome, error) {
	b := &backoff.ExponentialBackOff{
		InitialInterval:     h.retry.InitialInterval,
		RandomizationFactor: h.retry.Jitter,
		Multiplier:          h.retry.Multiplier,
		MaxInterval:         h.retry.MaxInterval,
		MaxElapsedTime:      h.retry.MaxElapsed,
		Stop:                backoff.Stop,
		Clock:               clockFunc(h.now),
	}
	b.Reset()
	for attempt := 1; ; attempt++ {
		out, serr := try(ctx, attempt)
		if serr == nil {
			out.Attempts = attempt
			return out, nil
		}
		serr.Attempts = attempt
		if ctx.Err() != nil {
			return nil, interrupted(ctx.Err(), serr)
		}
		if !errors.Is(serr.Err, mykaarma.ErrTransient) || errors.Is(serr.Err, ErrExhausted) || errors.Is(serr.Err, ErrLeadOutcomeUnknown) {
			return nil, serr
		}
		if h.retry.MaxAttempts > 0 && attempt >= h.retry.MaxAttempts {
			return nil, exhausted(serr, "")
		}
		if check := retryCheckOf(ctx); check != nil {
			if err := check(); err != nil { // the caller would rather try the event again later
				serr.Err = fmt.Errorf("%w; last failure: %w", err, serr.Err)
				return nil, serr
			}
		}
		wait := b.NextBackOff()
		if wait == backoff.Stop {
			return nil, exhausted(serr, "")
		}
		if ra, ok := mykaarma.RetryAfter(serr.Err); ok && ra > wait {
			if b.GetElapsedTime()+ra > h.retry.MaxElapsed {
				return nil, exhausted(serr, fmt.Sprintf("server asked to retry after %s", ra))
			}
			wait = ra
		}
		retryEvent(ctx, serr, wait)
		if err := h.sleep(ctx, wait); err != nil {
			return nil, interrupted(err, serr)
		}
	}
}

type retryCheckKey struct{}

// WithRetryCheck returns ctx with check, which Handle calls before each
// wait for a retry: a non-nil error ends the handling at once, with a
// StepError that wraps it and the last failure. The worker uses it to stop
// retrying an event whose department was paused meanwhile, so that the
// event gives its handler slot back and waits outside it.
func WithRetryCheck(ctx context.Context, check func() error) context.Context {
	return context.WithValue(ctx, retryCheckKey{}, check)
}

func retryCheckOf(ctx context.Context) func() error {
	f, _ := ctx.Value(retryCheckKey{}).(func() error)
	return f
}

// interrupted is the error when the caller's context ends: it wraps the context's error
// and mentions, without wrapping, the failure it interrupted.
func interrupted(ctxErr error, last *StepError) error {
	return fmt.Errorf("handlers: %w during the %s step after %d attempt(s) (last error: %v)", ctxErr, last.Step, last.Attempts, last.Err)
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
