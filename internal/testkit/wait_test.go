package testkit

import (
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
