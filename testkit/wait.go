package testkit

import (
	"errors"
	"testing"
	"time"
)

// The first poll comes at once, then the pause doubles from minPoll up to
// maxPoll: a condition that turns true quickly is seen quickly, one that
// costs a round trip to a broker is not asked more than 20 times a second.
const (
	minPoll = time.Millisecond
	maxPoll = 50 * time.Millisecond
)

// deadlineMargin is how long before the test binary's -timeout WaitFor gives
// up, so that the test fails naming what it waited for instead of the run
// panicking with every goroutine's stack.
const deadlineMargin = time.Second

// WaitFor polls cond until it holds, or fails t after timeout (or shortly
// before the test's own deadline, if that comes first) naming what it waited
// for. Call it from the test's goroutine: it calls t.Fatalf.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if d, ok := deadlineOf(t); ok && time.Until(d)-deadlineMargin < timeout {
		timeout = max(time.Until(d)-deadlineMargin, 0)
	}
	err := Poll(timeout, func() error {
		if cond() {
			return nil
		}
		return errNotYet
	})
	if err != nil {
		t.Fatalf("timed out after %v waiting for %s", timeout, what)
	}
}

var errNotYet = errors.New("not yet")

// deadlineOf returns the test binary's deadline (go test -timeout), when t
// has one.
func deadlineOf(t testing.TB) (time.Time, bool) {
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		return d.Deadline()
	}
	return time.Time{}, false
}

// Poll calls cond until it returns nil, and returns nil; after timeout it
// returns cond's last error. An error made with Stop ends the polling at
// once: Poll returns the error Stop was given.
func Poll(timeout time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	pause := minPoll
	for {
		err := cond()
		var stop stopError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &stop):
			return stop.err
		case !time.Now().Before(deadline):
			return err
		}
		timer := time.NewTimer(min(pause, time.Until(deadline)))
		<-timer.C
		pause = min(2*pause, maxPoll)
	}
}

// Stop wraps err so that Poll returns err at once instead of polling on:
// for a condition that can no longer come true (the worker exited, say).
func Stop(err error) error {
	return stopError{err}
}

type stopError struct{ err error }

func (e stopError) Error() string { return e.err.Error() }
func (e stopError) Unwrap() error { return e.err }
