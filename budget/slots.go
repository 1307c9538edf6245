package budget

import "context"

// Slots is a counting semaphore whose limit can change while it is in use:
// a Bytes in which every record weighs 1. Waiters are served in arrival
// order, so a release wakes one waiter, not all of them, and a record that has
// waited longest starts first. The consumer has two: one bounds the records
// being handled (and adapts), the other the records fetched but not yet
// finished.
type Slots struct{ b Bytes }

// NewSlots returns Slots of limit (at least 1).
func NewSlots(limit int) *Slots {
	return &Slots{Bytes{limit: int64(max(limit, 1))}}
}

// Acquire waits for a slot, in arrival order, or for ctx to end.
func (l *Slots) Acquire(ctx context.Context) error { return l.b.Acquire(ctx, 1) }

// Release gives a slot back.
func (l *Slots) Release() { l.b.Release(1) }

// SetLimit changes the limit; slots already held are kept, so after a cut no
// waiter starts until enough of them are released.
func (l *Slots) SetLimit(n int) { l.b.SetLimit(int64(max(n, 1))) }

// Snapshot returns the slots held and the limit.
func (l *Slots) Snapshot() (used, limit int) {
	u, lim, _ := l.b.Snapshot()
	return int(u), int(lim)
}
