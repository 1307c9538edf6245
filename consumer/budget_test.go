package consumer

import (
	"context"
	"testing"
	"time"
)

func TestByteBudget(t *testing.T) {
	t.Parallel()
	b := newByteBudget(100)
	ctx := context.Background()
	if err := b.acquire(ctx, 60); err != nil {
		t.Fatal(err)
	}
	got := make(chan int64, 2)
	go func() { _ = b.acquire(ctx, 60); got <- 60 }()
	waitFor(t, 5*time.Second, "second waiter queued", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.waiters.Len() == 1
	})
	b.release(60)
	if n := <-got; n != 60 {
		t.Fatal(n)
	}
	b.release(60)

	// One record larger than the whole budget passes when nothing is held.
	if err := b.acquire(ctx, 500); err != nil {
		t.Fatal(err)
	}
	if used, limit, peak := b.snapshot(); used != 500 || limit != 100 || peak != 500 {
		t.Errorf("snapshot() = %d, %d, %d; want 500, 100, 500", used, limit, peak)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.acquire(cctx, 1); err == nil {
		t.Error("acquire with a done context while full = nil; want its error")
	}
	b.release(500)
	if used, _, _ := b.snapshot(); used != 0 {
		t.Errorf("used = %d after release and a cancelled waiter; want 0", used)
	}
}

func TestSizePrefetch(t *testing.T) {
	tests := []struct {
		name       string
		budget     int64
		rec        int
		partitions int
		wantQueue  int
	}{
		{name: "defaults, 10 partitions", budget: 64 << 20, rec: 1 << 20, partitions: 10, wantQueue: 1},
		{name: "small records", budget: 64 << 20, rec: 16 << 10, partitions: 4, wantQueue: 100},
		{name: "many partitions", budget: 64 << 20, rec: 1 << 20, partitions: 100, wantQueue: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Options{MaxBufferedBytes: tt.budget, MaxRecordBytes: tt.rec}
			p := sizePrefetch(&o, tt.rec, tt.partitions)
			if p.queue != tt.wantQueue {
				t.Errorf("queue = %d; want %d", p.queue, tt.wantQueue)
			}
			if p.budget < tt.budget/4 || (p.reserve+p.budget > tt.budget && p.budget != tt.budget/4) {
				t.Errorf("budget = %d, reserve %d of %d; want the rest, at least a quarter", p.budget, p.reserve, tt.budget)
			}
		})
	}
}
