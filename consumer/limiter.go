package consumer

import (
	"context"
	"sync"
)

// limiter is a counting semaphore whose limit can change while it is in use:
// it bounds the records in flight and lets the concurrency adapt.
type limiter struct {
	mu    sync.Mutex
	limit int
	used  int
	wake  chan struct{} // closed and replaced whenever a slot may have opened
}

func newLimiter(limit int) *limiter {
	return &limiter{limit: limit, wake: make(chan struct{})}
}

// acquire waits for a free slot or for ctx to end.
func (l *limiter) acquire(ctx context.Context) error {
	for {
		l.mu.Lock()
		if l.used < l.limit {
			l.used++
			l.mu.Unlock()
			return nil
		}
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}

func (l *limiter) release() {
	l.mu.Lock()
	l.used--
	l.broadcast()
	l.mu.Unlock()
}

// setLimit changes the limit; slots already held are kept.
func (l *limiter) setLimit(n int) {
	if n < 1 {
		n = 1
	}
	l.mu.Lock()
	l.limit = n
	l.broadcast()
	l.mu.Unlock()
}

func (l *limiter) snapshot() (used, limit int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.used, l.limit
}

func (l *limiter) broadcast() {
	close(l.wake)
	l.wake = make(chan struct{})
}
