package consumer

import (
	"container/list"
	"context"
	"sync"
)

// limiter is a counting semaphore whose limit can change while it is in use.
// Waiters are served in arrival order, so a release wakes one waiter, not all
// of them, and a record that has waited longest starts first. The consumer has
// two: one bounds the records being handled (and adapts), the other the
// records fetched but not yet finished (memory).
type limiter struct {
	mu      sync.Mutex
	limit   int
	used    int
	waiters list.List // of chan struct{}, closed when granted
}

func newLimiter(limit int) *limiter {
	return &limiter{limit: max(limit, 1)}
}

// acquire waits for a slot, in arrival order, or for ctx to end.
func (l *limiter) acquire(ctx context.Context) error {
	l.mu.Lock()
	if l.used < l.limit && l.waiters.Len() == 0 {
		l.used++
		l.mu.Unlock()
		return nil
	}
	ready := make(chan struct{})
	elem := l.waiters.PushBack(ready)
	l.mu.Unlock()

	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		defer l.mu.Unlock()
		select {
		case <-ready: // granted while giving up: hand it on
			l.used--
		default:
			l.waiters.Remove(elem)
		}
		l.grant()
		return ctx.Err()
	}
}

func (l *limiter) release() {
	l.mu.Lock()
	l.used--
	l.grant()
	l.mu.Unlock()
}

// setLimit changes the limit; slots already held are kept, so after a cut no
// waiter starts until enough of them are released.
func (l *limiter) setLimit(n int) {
	l.mu.Lock()
	l.limit = max(n, 1)
	l.grant()
	l.mu.Unlock()
}

func (l *limiter) snapshot() (used, limit int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.used, l.limit
}

// grant hands free slots to waiters in order; l.mu must be held.
func (l *limiter) grant() {
	for l.used < l.limit && l.waiters.Len() > 0 {
		ready := l.waiters.Remove(l.waiters.Front()).(chan struct{})
		l.used++
		close(ready)
	}
}
