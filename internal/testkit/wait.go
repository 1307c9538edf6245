package testkit

import (
	"errors"
	"testing"
	"time"
)

// WaitFor polls cond until it holds, and fails tb if it does not within the
// given time. It polls every millisecond at first, then less often (up to
// every 20 ms), so a condition that costs a request does not flood anything.
// The deadline is cut short, with a second to spare, when the test's own
// deadline (go test -timeout) comes first.
func WaitFor(tb testing.TB, within time.Duration, what string, cond func() bool) {
	tb.Helper()
	if err := Poll(tb, within, cond); err != nil {
		tb.Fatalf("timed out after %v waiting for %s", within, what)
	}
}

// deadliner is the part of *testing.T that knows the test's deadline.
type deadliner interface {
	Deadline() (time.Time, bool)
}

// errTimeout is Poll's error when cond never held.
type errTimeout struct{ within time.Duration }

func (e errTimeout) Error() string { return "condition not met within " + e.within.String() }

// Poll is WaitFor returning an error instead of failing the test, for
// callers that add what they saw.
func Poll(tb testing.TB, within time.Duration, cond func() bool) error {
	tb.Helper()
	return Until(tb, within, func() error {
		if cond() {
			return nil
		}
		return errTimeout{within}
	})
}

// Until polls cond until it returns nil, as Poll does, for a condition that
// says what it saw: when time runs out it returns cond's last error. A cond
// that can no longer come true (the process it waits on exited) returns
// Stop(err), and Until returns err at once.
func Until(tb testing.TB, within time.Duration, cond func() error) error {
	tb.Helper()
	deadline := time.Now().Add(within)
	if d, ok := tb.(deadliner); ok {
		if td, ok := d.Deadline(); ok && td.Add(-time.Second).Before(deadline) {
			deadline = td.Add(-time.Second)
		}
	}
	interval := time.Millisecond
	for {
		err := cond()
		var stop stopError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &stop):
			return stop.err
		case time.Now().After(deadline):
			return err
		}
		t := time.NewTimer(interval)
		<-t.C // a poll interval, not synchronisation: cond decides
		interval = min(2*interval, 20*time.Millisecond)
	}
}

// Stop wraps err so that Until returns err at once instead of polling on.
func Stop(err error) error { return stopError{err} }

type stopError struct{ err error }

func (e stopError) Error() string { return e.err.Error() }
func (e stopError) Unwrap() error { return e.err }
