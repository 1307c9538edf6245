package budget

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// queued returns how many acquires are waiting on l.
func queued(l *Slots) int {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return l.b.waiters.Len()
}

// waiter is one acquire running on its own goroutine.
type waiter struct {
	cancel context.CancelFunc
	done   chan error // receives acquire's result
}

// enqueue starts an acquire on l and waits until it is queued, so that
// waiters started one after another queue in that order.
func enqueue(t *testing.T, l *Slots) *waiter {
	t.Helper()
	before := queued(l)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w := &waiter{cancel: cancel, done: make(chan error, 1)}
	go func() { w.done <- l.Acquire(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for queued(l) != before+1 {
		if time.Now().After(deadline) {
			t.Fatalf("acquire not queued after 5s: queued = %d; want %d", queued(l), before+1)
		}
		runtime.Gosched()
	}
	return w
}

// granted reports whether w's acquire has returned nil; it does not wait.
func (w *waiter) granted(t *testing.T) bool {
	t.Helper()
	select {
	case err := <-w.done:
		if err != nil {
			t.Fatalf("acquire() = %v; want nil", err)
		}
		w.done <- nil // keep the answer for later calls
		return true
	default:
		return false
	}
}

// result waits for w's acquire to return.
func (w *waiter) result(t *testing.T) error {
	t.Helper()
	select {
	case err := <-w.done:
		w.done <- err
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("acquire did not return")
		return nil
	}
}

func checkSnapshot(t *testing.T, l *Slots, wantUsed, wantLimit int) {
	t.Helper()
	if used, limit := l.Snapshot(); used != wantUsed || limit != wantLimit {
		t.Fatalf("snapshot() = (%d, %d); want (%d, %d)", used, limit, wantUsed, wantLimit)
	}
}

func TestLimiterNewClampsLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		limit     int
		wantLimit int
	}{
		{name: "positive", limit: 3, wantLimit: 3},
		{name: "zero", limit: 0, wantLimit: 1},
		{name: "negative", limit: -5, wantLimit: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewSlots(tt.limit)
			checkSnapshot(t, l, 0, tt.wantLimit)
			for i := 0; i < tt.wantLimit; i++ {
				if err := l.Acquire(context.Background()); err != nil {
					t.Fatalf("acquire %d = %v; want nil", i, err)
				}
			}
			checkSnapshot(t, l, tt.wantLimit, tt.wantLimit)
		})
	}
}

func TestLimiterGrantsInArrivalOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		limit   int
		waiters int
	}{
		{name: "one slot", limit: 1, waiters: 8},
		{name: "three slots", limit: 3, waiters: 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := NewSlots(tt.limit)
			for i := 0; i < tt.limit; i++ {
				if err := l.Acquire(context.Background()); err != nil {
					t.Fatalf("acquire = %v; want nil", err)
				}
			}
			ws := make([]*waiter, tt.waiters)
			for i := range ws {
				ws[i] = enqueue(t, l)
			}
			for i, w := range ws {
				if w.granted(t) {
					t.Fatalf("waiter %d granted before any release", i)
				}
			}
			// Each release hands its slot to exactly the oldest waiter, at once.
			for i := range ws {
				l.Release()
				if got := queued(l); got != tt.waiters-i-1 {
					t.Fatalf("after release %d: queued = %d; want %d", i, got, tt.waiters-i-1)
				}
				if err := ws[i].result(t); err != nil {
					t.Fatalf("waiter %d: acquire() = %v; want nil", i, err)
				}
				for j := i + 1; j < len(ws); j++ {
					if ws[j].granted(t) {
						t.Fatalf("after release %d: waiter %d granted before waiter %d", i, j, i+1)
					}
				}
				checkSnapshot(t, l, tt.limit, tt.limit)
			}
		})
	}
}

func TestLimiterArrivalBeatsFreeSlot(t *testing.T) {
	t.Parallel()
	// A newcomer must not take a slot ahead of a queued waiter, even if it
	// arrives when a slot is momentarily free (it is not: grant hands it on
	// inside release).
	l := NewSlots(1)
	if err := l.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	first := enqueue(t, l)
	l.Release()
	if err := first.result(t); err != nil {
		t.Fatalf("first waiter: acquire() = %v; want nil", err)
	}
	late := enqueue(t, l)
	if late.granted(t) {
		t.Fatal("newcomer granted while the slot is held")
	}
	checkSnapshot(t, l, 1, 1)
}

func TestLimiterSetLimitDownKeepsHeldSlots(t *testing.T) {
	t.Parallel()
	l := NewSlots(3)
	for i := 0; i < 3; i++ {
		if err := l.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	l.SetLimit(1)
	checkSnapshot(t, l, 3, 1)
	w := enqueue(t, l)

	// used 3 → 2 → 1: still not below the new limit of 1.
	for _, wantUsed := range []int{2, 1} {
		l.Release()
		checkSnapshot(t, l, wantUsed, 1)
		if w.granted(t) || queued(l) != 1 {
			t.Fatalf("waiter admitted with used=%d and limit 1", wantUsed)
		}
	}
	l.Release() // used 0 < 1: the waiter takes it
	if err := w.result(t); err != nil {
		t.Fatalf("acquire() = %v; want nil", err)
	}
	checkSnapshot(t, l, 1, 1)
	if got := queued(l); got != 0 {
		t.Fatalf("queued = %d; want 0", got)
	}
}

func TestLimiterSetLimitUpAdmitsWaitersAtOnce(t *testing.T) {
	t.Parallel()
	l := NewSlots(1)
	if err := l.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ws := []*waiter{enqueue(t, l), enqueue(t, l), enqueue(t, l)}

	l.SetLimit(3) // two free slots: the two oldest waiters, no release needed
	checkSnapshot(t, l, 3, 3)
	if got := queued(l); got != 1 {
		t.Fatalf("queued after setLimit(3) = %d; want 1", got)
	}
	for i, w := range ws[:2] {
		if err := w.result(t); err != nil {
			t.Fatalf("waiter %d: acquire() = %v; want nil", i, err)
		}
	}
	if ws[2].granted(t) {
		t.Fatal("third waiter granted beyond the limit")
	}

	l.SetLimit(10)
	if err := ws[2].result(t); err != nil {
		t.Fatalf("waiter 2: acquire() = %v; want nil", err)
	}
	checkSnapshot(t, l, 4, 10)
}

func TestLimiterSetLimitBelowOneMeansOne(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, -1} {
		l := NewSlots(4)
		l.SetLimit(n)
		checkSnapshot(t, l, 0, 1)
		if err := l.Acquire(context.Background()); err != nil {
			t.Fatalf("setLimit(%d): acquire() = %v; want nil", n, err)
		}
		w := enqueue(t, l)
		if w.granted(t) {
			t.Fatalf("setLimit(%d): second acquire granted; want the limit to be 1", n)
		}
		w.cancel()
		if err := w.result(t); !errors.Is(err, context.Canceled) {
			t.Fatalf("acquire() = %v; want context.Canceled", err)
		}
	}
}

func TestLimiterCancelledWaiter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		queue  int // waiters queued, in order
		cancel int // index of the one whose ctx ends
	}{
		{name: "only waiter", queue: 1, cancel: 0},
		{name: "head of queue", queue: 3, cancel: 0},
		{name: "middle of queue", queue: 3, cancel: 1},
		{name: "tail of queue", queue: 3, cancel: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := NewSlots(1)
			if err := l.Acquire(context.Background()); err != nil {
				t.Fatal(err)
			}
			ws := make([]*waiter, tt.queue)
			for i := range ws {
				ws[i] = enqueue(t, l)
			}
			ws[tt.cancel].cancel()
			if err := ws[tt.cancel].result(t); !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled acquire() = %v; want context.Canceled", err)
			}
			if got := queued(l); got != tt.queue-1 {
				t.Fatalf("queued after cancel = %d; want %d (the cancelled waiter removed)", got, tt.queue-1)
			}
			checkSnapshot(t, l, 1, 1) // still only the holder

			// The others are granted in order, skipping the cancelled one.
			for i, w := range ws {
				if i == tt.cancel {
					continue
				}
				l.Release()
				if err := w.result(t); err != nil {
					t.Fatalf("waiter %d: acquire() = %v; want nil", i, err)
				}
				checkSnapshot(t, l, 1, 1)
			}
			l.Release()
			checkSnapshot(t, l, 0, 1)
			if err := l.Acquire(context.Background()); err != nil {
				t.Fatalf("acquire after all releases = %v; want nil", err)
			}
		})
	}
}

func TestLimiterDoneContextWithFreeSlot(t *testing.T) {
	t.Parallel()
	// A free slot and nobody waiting: acquire takes it without waiting, whatever ctx.
	l := NewSlots(1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Acquire(ctx); err != nil {
		t.Fatalf("acquire(done ctx) with a free slot = %v; want nil", err)
	}
	checkSnapshot(t, l, 1, 1)
	// No free slot: it queues, sees ctx done and leaves without a slot.
	if err := l.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire(done ctx) with no free slot = %v; want context.Canceled", err)
	}
	checkSnapshot(t, l, 1, 1)
	if got := queued(l); got != 0 {
		t.Fatalf("queued = %d; want 0", got)
	}
}

// TestLimiterCancelRacesGrant ends a waiter's ctx and grants it its slot at
// the same moment (under l.mu, so the waiter sees both), with a second waiter
// behind it. Whichever way the waiter decides, exactly one slot stays held:
// by it if acquire returned nil, or by the second waiter it handed it on to.
func TestLimiterCancelRacesGrant(t *testing.T) {
	t.Parallel()
	var handedOn, kept int
	for i := 0; i < 200; i++ {
		l := NewSlots(1)
		if err := l.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		first, second := enqueue(t, l), enqueue(t, l)

		l.b.mu.Lock()
		first.cancel()
		l.b.used-- // release, without taking the lock again
		l.b.grant()
		l.b.mu.Unlock()

		err := first.result(t)
		switch {
		case err == nil:
			kept++
			if second.granted(t) {
				t.Fatal("both waiters granted one slot")
			}
			if got := queued(l); got != 1 {
				t.Fatalf("queued = %d; want the second waiter", got)
			}
			checkSnapshot(t, l, 1, 1)
			second.cancel()
			if err := second.result(t); !errors.Is(err, context.Canceled) {
				t.Fatalf("second acquire() = %v; want context.Canceled", err)
			}
		case errors.Is(err, context.Canceled):
			handedOn++
			if err := second.result(t); err != nil {
				t.Fatalf("second acquire() = %v; want the handed-on slot", err)
			}
		default:
			t.Fatalf("first acquire() = %v; want nil or context.Canceled", err)
		}
		checkSnapshot(t, l, 1, 1)
		if got := queued(l); got != 0 {
			t.Fatalf("queued = %d; want 0", got)
		}
	}
	t.Logf("granted at cancel: kept %d times, handed on %d times", kept, handedOn)
}

// TestLimiterStress runs many goroutines through the Slots, some giving up
// while they wait and a goroutine moving the limit, and checks that holders
// never exceed the largest limit set and that no slot leaks.
func TestLimiterStress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		limit      int
		moveLimit  bool
		cancelEach int // every cancelEach-th acquire gives up while waiting; 0 never
	}{
		{name: "fixed limit", limit: 5},
		{name: "fixed limit with cancels", limit: 5, cancelEach: 3},
		{name: "moving limit with cancels", limit: 6, moveLimit: true, cancelEach: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const goroutines, rounds = 64, 200
			l := NewSlots(tt.limit)
			var holders, most, acquired atomic.Int64

			stopMoving := make(chan struct{})
			moved := make(chan struct{})
			go func() {
				defer close(moved)
				for n := 0; tt.moveLimit; n++ {
					select {
					case <-stopMoving:
						return
					default:
					}
					l.SetLimit(1 + n%tt.limit)
					runtime.Gosched()
				}
			}()

			var wg sync.WaitGroup
			for g := 0; g < goroutines; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < rounds; i++ {
						ctx, cancel := context.WithCancel(context.Background())
						if tt.cancelEach > 0 && (g+i)%tt.cancelEach == 0 {
							go cancel() // races the grant
						}
						err := l.Acquire(ctx)
						cancel()
						if err != nil {
							continue
						}
						acquired.Add(1)
						n := holders.Add(1)
						for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
						}
						runtime.Gosched()
						holders.Add(-1)
						l.Release()
					}
				}()
			}
			wg.Wait()
			close(stopMoving)
			<-moved
			l.SetLimit(tt.limit)

			if got := most.Load(); got > int64(tt.limit) {
				t.Errorf("most concurrent holders = %d; want <= %d", got, tt.limit)
			}
			if !tt.moveLimit {
				if got := most.Load(); got < int64(tt.limit) {
					t.Errorf("most concurrent holders = %d; want the limit %d reached", got, tt.limit)
				}
			}
			if acquired.Load() == 0 {
				t.Error("no acquire succeeded")
			}
			checkSnapshot(t, l, 0, tt.limit)
			if got := queued(l); got != 0 {
				t.Errorf("queued = %d after every goroutine returned; want 0", got)
			}
			t.Logf("acquired %d of %d, most holders %d", acquired.Load(), goroutines*rounds, most.Load())
		})
	}
}
