package consumer

import (
	"container/list"
	"context"
	"sync"
)

// byteBudget bounds the bytes of records fetched and not yet finished and
// of the fetches under way (Options.MaxBufferedBytes). Waiters are served in
// arrival order. A request larger than the whole budget is let through when
// nothing else is held, alone, so nothing deadlocks.
type byteBudget struct {
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

func newByteBudget(limit int64) *byteBudget { return &byteBudget{limit: max(limit, 0)} }

// acquire waits until n bytes fit, in arrival order, or for ctx to end.
func (b *byteBudget) acquire(ctx context.Context, n int64) error {
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

func (b *byteBudget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.grant()
	b.mu.Unlock()
}

// force takes n bytes at once, past the limit if need be: what a fetch
// response turned out to hold beyond the room taken for it.
func (b *byteBudget) force(n int64) {
	b.mu.Lock()
	b.take(n)
	b.mu.Unlock()
}

// setLimit changes the budget; bytes already held are kept.
func (b *byteBudget) setLimit(n int64) {
	b.mu.Lock()
	b.limit = max(n, 0)
	b.grant()
	b.mu.Unlock()
}

func (b *byteBudget) snapshot() (used, limit, peak int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.limit, b.peak
}

// fits reports whether n more bytes may be held; b.mu must be held.
func (b *byteBudget) fits(n int64) bool { return b.used == 0 || b.used+n <= b.limit }

func (b *byteBudget) take(n int64) {
	b.used += n
	b.peak = max(b.peak, b.used)
}

// grant hands bytes to waiters in order; b.mu must be held.
func (b *byteBudget) grant() {
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

// recordBytes is what a fetched record holds in memory, roughly.
func recordBytes(m *Message) int64 {
	n := len(m.Key) + len(m.Value)
	for _, h := range m.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return int64(n)
}
