package dispatch

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentUse runs many goroutines through the Scheduler, some giving
// up while they wait, and the limit changing under them: no more slots are
// ever held than the limit allowed when they were granted (the limit only
// grows here, so never more than the largest), and at the end nothing is
// held, waiting or remembered. Run it with -race.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	for _, fair := range []bool{false, true} {
		t.Run(fmt.Sprintf("fair=%v", fair), func(t *testing.T) {
			t.Parallel()
			const limit = 4
			s := New(Options{Limit: 2, Fair: fair, MaxDefer: time.Millisecond})
			var held, most, granted, gaveUp atomic.Int64
			var wg sync.WaitGroup
			for g := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := rand.New(rand.NewPCG(uint64(g), 1))
					for i := range 300 {
						wt := Waiter{Tenant: fmt.Sprint("t", r.IntN(5)), Priority: r.IntN(3) - 1, Since: time.Now().Add(-time.Duration(r.IntN(3)) * time.Millisecond)}
						ctx, cancel := context.WithCancel(context.Background())
						if i%7 == 0 {
							cancel() // gives up at once if it has to wait
						}
						if err := s.Acquire(ctx, wt); err != nil {
							gaveUp.Add(1)
							cancel()
							continue
						}
						granted.Add(1)
						n := held.Add(1)
						for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
						}
						if i%50 == 0 {
							s.SetLimit(limit)
						}
						held.Add(-1)
						s.Release(wt)
						cancel()
					}
				}()
			}
			wg.Wait()
			if most.Load() > limit {
				t.Errorf("%d slots held at once; want at most %d", most.Load(), limit)
			}
			if granted.Load() == 0 {
				t.Error("nothing granted")
			}
			if used, _ := s.Snapshot(); used != 0 || s.Waiting() != 0 {
				t.Errorf("at the end: used %d, waiting %d; want 0, 0", used, s.Waiting())
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if busy(s) != 0 || len(s.levels) != 0 || len(s.aged) != 0 {
				t.Errorf("at the end: %d tenants busy, %d levels, %d aged; want none", busy(s), len(s.levels), len(s.aged))
			}
			t.Logf("granted %d, gave up %d", granted.Load(), gaveUp.Load())
		})
	}
}
