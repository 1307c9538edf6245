package testkit

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

func TestPoll(t *testing.T) {
	var calls atomic.Int32
	if err := Poll(t, time.Second, func() bool { return calls.Add(1) == 5 }); err != nil {
		t.Fatalf("Poll of a condition true on the 5th call: %v", err)
	}
	if got := calls.Load(); got != 5 {
		t.Errorf("cond called %d times; want 5", got)
	}
	start := time.Now()
	if err := Poll(t, 50*time.Millisecond, func() bool { return false }); err == nil {
		t.Fatal("Poll of a condition never true returned nil")
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Errorf("Poll gave up after %v; want at least 50ms", waited)
	}
}

func TestUntil(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name   string
		within time.Duration
		cond   func(call int) error
		want   error    // nil, or what errors.Is finds in Until's error
		calls  [2]int32 // how many calls: at least, at most (0: any)
	}{
		{"true at once", time.Second, func(int) error { return nil }, nil, [2]int32{1, 1}},
		{"true on the 5th call", time.Second, func(n int) error {
			if n < 5 {
				return boom
			}
			return nil
		}, nil, [2]int32{5, 5}},
		{"never: its last error", 30 * time.Millisecond, func(n int) error { return fmt.Errorf("call %d: %w", n, boom) }, boom, [2]int32{2, 0}},
		{"stopped: at once", time.Minute, func(int) error { return Stop(boom) }, boom, [2]int32{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			start := time.Now()
			err := Until(t, tt.within, func() error { return tt.cond(int(calls.Add(1))) })
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("Until = %v; want %v", err, tt.want)
			}
			if _, wrapped := err.(stopError); wrapped {
				t.Errorf("Until = %#v; want the error given to Stop, not its wrapper", err)
			}
			if got := calls.Load(); got < tt.calls[0] || (tt.calls[1] > 0 && got > tt.calls[1]) {
				t.Errorf("cond called %d times; want %d to %d (0: any)", got, tt.calls[0], tt.calls[1])
			}
			if took := time.Since(start); took > time.Second+tt.within {
				t.Errorf("Until took %v", took)
			}
		})
	}
}

// fatalRecorder records Fatalf instead of stopping the test.
type fatalRecorder struct {
	testing.TB
	failed bool
}

func (f *fatalRecorder) Helper()               {}
func (f *fatalRecorder) Fatalf(string, ...any) { f.failed = true }

func TestWaitForFails(t *testing.T) {
	f := &fatalRecorder{TB: t}
	WaitFor(f, 10*time.Millisecond, "nothing", func() bool { return false })
	if !f.failed {
		t.Error("WaitFor of a condition never true did not fail the test")
	}
	f = &fatalRecorder{TB: t}
	WaitFor(f, time.Second, "something", func() bool { return true })
	if f.failed {
		t.Error("WaitFor of a true condition failed the test")
	}
}
