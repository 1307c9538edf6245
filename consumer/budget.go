package consumer

import (
	"container/list"
	"context"
	"sync"
)

// byteBudget bounds the bytes of records fetched and not yet finished
// (Options.MaxBufferedBytes less what the readers may prefetch). Waiters are
// served in arrival order. A record larger than the whole budget is let
// through when nothing else is held, alone, so nothing deadlocks.
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

// prefetch is how each partition's kafka-go Reader is sized. A Reader fetches
// outside the budget: it queues up to QueueCapacity records (kafka-go's
// default is 100), decodes one more, and holds a compressed batch
// decompressed (a fetch streams from the socket otherwise, so MaxBytes is not
// held whole); and the partition's fetcher holds one record waiting for the
// budget. So QueueCapacity is cut until every partition's queue of records of
// MaxRecordBytes fits a quarter of MaxBufferedBytes, and what the readers may
// hold (reserve) is taken off the budget, leaving at least a quarter of it.
// Records are taken to be as large as the input topics allow.
type prefetch struct {
	queue    int   // ReaderConfig.QueueCapacity
	maxBytes int   // ReaderConfig.MaxBytes
	reserve  int64 // bytes all readers may hold outside the budget
	budget   int64 // MaxBufferedBytes less reserve, at least a quarter of it
}

// largest is the largest record a reader can hand over: the input topics'
// max.message.bytes when known, at least MaxRecordBytes.
func sizePrefetch(o *Options, largest, partitions int) prefetch {
	partitions = max(partitions, 1)
	rec := int64(max(largest, o.MaxRecordBytes, 1))
	q := o.MaxBufferedBytes / 4 / int64(partitions) / rec
	p := prefetch{queue: int(min(max(q, 1), 100)), maxBytes: int(rec) + headerRoom}
	p.reserve = int64(partitions) * ((int64(p.queue)+2)*rec + int64(p.maxBytes))
	p.budget = max(o.MaxBufferedBytes-p.reserve, o.MaxBufferedBytes/4)
	return p
}
