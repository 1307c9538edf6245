package testkit

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestPoll(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name    string
		timeout time.Duration
		cond    func(calls int) error
		want    error // nil, or what errors.Is must find
		calls   int   // at least this many calls
		within  time.Duration
	}{
		{"at once", time.Minute, func(int) error { return nil }, nil, 1, time.Second},
		{"after a few tries", time.Minute, func(n int) error {
			if n < 5 {
				return boom
			}
			return nil
		}, nil, 5, time.Second},
		{"never: the last error", 50 * time.Millisecond, func(n int) error { return fmt.Errorf("try %d: %w", n, boom) }, boom, 2, time.Second},
		{"stop: at once", time.Minute, func(int) error { return Stop(boom) }, boom, 1, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			start := time.Now()
			err := Poll(tt.timeout, func() error {
				calls++
				return tt.cond(calls)
			})
			if took := time.Since(start); took > tt.within {
				t.Errorf("Poll took %v; want under %v", took, tt.within)
			}
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("Poll = %v; want %v", err, tt.want)
			}
			var stop stopError
			if errors.As(err, &stop) {
				t.Errorf("Poll = %#v; want the error Stop was given, unwrapped", err)
			}
			if calls < tt.calls {
				t.Errorf("cond called %d times; want at least %d", calls, tt.calls)
			}
		})
	}
}

// fatalRecorder is a testing.TB whose Fatalf records instead of ending the test.
type fatalRecorder struct {
	testing.TB
	fatal string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

func TestWaitFor(t *testing.T) {
	t.Parallel()
	r := &fatalRecorder{TB: t}
	n := 0
	WaitFor(r, time.Minute, "three calls", func() bool { n++; return n == 3 })
	if r.fatal != "" || n != 3 {
		t.Errorf("WaitFor on a condition true at the third call: fatal %q after %d calls", r.fatal, n)
	}

	r = &fatalRecorder{TB: t}
	WaitFor(r, 20*time.Millisecond, "the impossible", func() bool { return false })
	if want := "timed out after 20ms waiting for the impossible"; r.fatal != want {
		t.Errorf("WaitFor on a false condition: Fatalf(%q); want %q", r.fatal, want)
	}
}
