package handlers

import (
	"context"
	"sync"
)

// identityLocks serialises events that could be the same customer. Two events
// that share neither a customerKey nor a last name with a phone, email or VIN
// cannot match each other in the decision tree, so they may run at once; two
// that share one must not, or both could search, find nothing, and create the
// same customer twice.
//
// It protects one process. Across replicas, events of one customer must share a
// Kafka key (so they share a partition) for the same guarantee. The tokens come
// from Identity (identity.go).
type identityLocks struct {
	mu   sync.Mutex
	held map[string]chan struct{} // token -> closed when released
}

func newIdentityLocks() *identityLocks {
	return &identityLocks{held: make(map[string]chan struct{})}
}

// lock waits until none of tokens is held, then holds them all. The returned
// func releases them.
func (l *identityLocks) lock(ctx context.Context, tokens []string) (func(), error) {
	for {
		l.mu.Lock()
		var busy chan struct{}
		for _, t := range tokens {
			if ch, ok := l.held[t]; ok {
				busy = ch
				break
			}
		}
		if busy == nil {
			release := make(chan struct{})
			for _, t := range tokens {
				l.held[t] = release
			}
			l.mu.Unlock()
			return func() { l.unlock(tokens, release) }, nil
		}
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-busy:
		}
	}
}

func (l *identityLocks) unlock(tokens []string, release chan struct{}) {
	l.mu.Lock()
	for _, t := range tokens {
		if l.held[t] == release {
			delete(l.held, t)
		}
	}
	l.mu.Unlock()
	close(release)
}
