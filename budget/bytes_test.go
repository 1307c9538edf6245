package budget

import (
	"context"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
)

func TestByteBudget(t *testing.T) {
	t.Parallel()
	b := NewBytes(100)
	ctx := context.Background()
	if err := b.Acquire(ctx, 60); err != nil {
		t.Fatal(err)
	}
	got := make(chan int64, 2)
	go func() { _ = b.Acquire(ctx, 60); got <- 60 }()
	testkit.WaitFor(t, 5*time.Second, "second waiter queued", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.waiters.Len() == 1
	})
	b.Release(60)
	if n := <-got; n != 60 {
		t.Fatal(n)
	}
	b.Release(60)

	// One record larger than the whole budget passes when nothing is held.
	if err := b.Acquire(ctx, 500); err != nil {
		t.Fatal(err)
	}
	if used, limit, peak := b.Snapshot(); used != 500 || limit != 100 || peak != 500 {
		t.Errorf("snapshot() = %d, %d, %d; want 500, 100, 500", used, limit, peak)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.Acquire(cctx, 1); err == nil {
		t.Error("acquire with a done context while full = nil; want its error")
	}
	b.Release(500)
	if used, _, _ := b.Snapshot(); used != 0 {
		t.Errorf("used = %d after release and a cancelled waiter; want 0", used)
	}
}
