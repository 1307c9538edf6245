package budget

import (
	"container/list"
	"context"
	"sync"
)

// Bytes bounds the bytes of records fetched and not yet finished and
// of the fetches under way (Options.MaxBufferedBytes). Waiters are served in
// arrival order. A request larger than the whole budget is let through when
// nothing else is held, alone, so nothing deadlocks.
type Bytes struct {
	mu      sync.Mutex
	limit   int64
	used    int64
	peak    int64     // the most bytes held at once
	waiters list.List // of *budgetWaiter
}

type budgetWaiter struct {
	n     int64
	ready chan struct{} // closed when granted
}

// NewBytes returns a budget of limit bytes.
func NewBytes(limit int64) *Bytes { return &Bytes{limit: max(limit, 0)} }

// Acquire waits until n bytes fit, in arrival order, or for ctx to end.
func (b *Bytes) Acquire(ctx context.Context, n int64) error {
	b.mu.Lock()
	if b.waiters.Len() == 0 && b.fits(n) {
		b.take(n)
		b.mu.Unlock()
		return nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	elem := b.waiters.PushBack(w)
	b.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		defer b.mu.Unlock()
		select {
		case <-w.ready: // granted while giving up: hand it on
			b.used -= n
		default:
			b.waiters.Remove(elem)
		}
		b.grant()
		return ctx.Err()
	}
}

// Release gives n bytes back.
func (b *Bytes) Release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.grant()
	b.mu.Unlock()
}

// Force takes n bytes at once, past the limit if need be: what a fetch
// response turned out to hold beyond the room taken for it.
func (b *Bytes) Force(n int64) {
	b.mu.Lock()
	b.take(n)
	b.mu.Unlock()
}

// SetLimit changes the budget; bytes already held are kept.
func (b *Bytes) SetLimit(n int64) {
	b.mu.Lock()
	b.limit = max(n, 0)
	b.grant()
	b.mu.Unlock()
}

// Snapshot returns the bytes held, the limit and the most held at once.
func (b *Bytes) Snapshot() (used, limit, peak int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.limit, b.peak
}

// fits reports whether n more bytes may be held; b.mu must be held.
func (b *Bytes) fits(n int64) bool { return b.used == 0 || b.used+n <= b.limit }

func (b *Bytes) take(n int64) {
	b.used += n
	b.peak = max(b.peak, b.used)
}

// grant hands bytes to waiters in order; b.mu must be held.
func (b *Bytes) grant() {
	for b.waiters.Len() > 0 {
		w := b.waiters.Front().Value.(*budgetWaiter)
		if !b.fits(w.n) {
			return
		}
		b.waiters.Remove(b.waiters.Front())
		b.take(w.n)
		close(w.ready)
	}
}
