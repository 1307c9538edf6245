package consumer

import "context"

// limiter is a counting semaphore whose limit can change while it is in use:
// a byteBudget in which every record weighs 1. Waiters are served in arrival
// order, so a release wakes one waiter, not all of them, and a record that has
// waited longest starts first. The consumer has two: one bounds the records
// being handled (and adapts), the other the records fetched but not yet
// finished.
type limiter struct{ byteBudget }

func newLimiter(limit int) *limiter {
	return &limiter{byteBudget{limit: int64(max(limit, 1))}}
}

// acquire waits for a slot, in arrival order, or for ctx to end.
func (l *limiter) acquire(ctx context.Context) error { return l.byteBudget.acquire(ctx, 1) }

func (l *limiter) release() { l.byteBudget.release(1) }

// setLimit changes the limit; slots already held are kept, so after a cut no
// waiter starts until enough of them are released.
func (l *limiter) setLimit(n int) { l.byteBudget.setLimit(int64(max(n, 1))) }

func (l *limiter) snapshot() (used, limit int) {
	u, lim, _ := l.byteBudget.snapshot()
	return int(u), int(lim)
}
