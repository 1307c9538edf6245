package dispatch_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/leadworker/leadworker/budget"
	"github.com/leadworker/leadworker/dispatch"
)

// BenchmarkAcquireRelease compares the cost of a slot with budget.Slots,
// the first-come-first-served semaphore: alone (no one waits) and with
// goroutines contending for 8 slots across 16 tenants and 3 priorities.
func BenchmarkAcquireRelease(b *testing.B) {
	ctx := context.Background()
	waiter := func(i int) dispatch.Waiter {
		return dispatch.Waiter{Tenant: fmt.Sprint("dept-", i%16), Priority: i%3 - 1}
	}
	b.Run("uncontended/budget.Slots", func(b *testing.B) {
		s := budget.NewSlots(8)
		for b.Loop() {
			_ = s.Acquire(ctx)
			s.Release()
		}
	})
	for _, fair := range []bool{false, true} {
		b.Run(fmt.Sprintf("uncontended/dispatch.fair=%v", fair), func(b *testing.B) {
			s := dispatch.New(dispatch.Options{Limit: 8, Fair: fair})
			w := waiter(1)
			for b.Loop() {
				_ = s.Acquire(ctx, w)
				s.Release(w)
			}
		})
	}
	b.Run("contended/budget.Slots", func(b *testing.B) {
		s := budget.NewSlots(8)
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = s.Acquire(ctx)
				s.Release()
			}
		})
	})
	for _, fair := range []bool{false, true} {
		b.Run(fmt.Sprintf("contended/dispatch.fair=%v", fair), func(b *testing.B) {
			s := dispatch.New(dispatch.Options{Limit: 8, Fair: fair})
			var g atomic.Int64
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				w := waiter(int(g.Add(1)))
				for pb.Next() {
					_ = s.Acquire(ctx, w)
					s.Release(w)
				}
			})
		})
	}
}
