package dispatch

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxDefer is Options.MaxDefer's default.
const DefaultMaxDefer = 30 * time.Second

// Options configures a Scheduler. Zero values take the documented defaults.
type Options struct {
	// Limit is the number of slots (at least 1); SetLimit changes it.
	Limit int
	// Fair turns on priority and fair share across tenants (see the package
	// doc); false serves waiters in the order they asked, and Waiter's
	// fields are not read.
	Fair bool
	// MaxDefer is how long a waiter may wait, counted from Waiter.Since,
	// before it is served ahead of more urgent work (default
	// DefaultMaxDefer; negative: never).
	MaxDefer time.Duration
	// Weight is a tenant's share relative to the others (at least 1); nil
	// weighs every tenant 1. It is asked once while a tenant has slots or
	// waiters.
	Weight func(tenant string) int
	// Now is the clock MaxDefer is measured with; nil is time.Now.
	Now func() time.Time
}

// Waiter says who asks for a slot.
type Waiter struct {
	Tenant string
	// Priority: smaller is more urgent; 0 is normal.
	Priority int
	// Since is when the waiter began to wait, for MaxDefer (for the
	// consumer, when its record was fetched); zero: when it asked.
	Since time.Time
	// Background waiters are served only when no other waiter waits, and
	// MaxDefer never puts them ahead of one (leadworker: the bulk route).
	// Among themselves they are served like the others. It holds with or
	// without Options.Fair.
	Background bool
}

// background is the priority level of Background waiters: after every
// other.
const background = int(^uint(0) >> 1)

// Scheduler hands out slots to waiters; it is safe for concurrent use.
type Scheduler struct {
	fair     bool
	maxDefer time.Duration
	weight   func(string) int
	now      func() time.Time

	mu      sync.Mutex
	limit   int
	used    int
	waiting int
	tenants map[string]*tenant // those with slots or waiters, and some idle ones (forget)
	idle    int                // idle tenants in tenants
	levels  []*level           // priorities with waiters, most urgent first
	aged    ageHeap            // every waiter, oldest first (Fair with MaxDefer)
	seq     uint64             // counts grants and queues, to order ties
}

// New returns a Scheduler with opts.
func New(opts Options) *Scheduler {
	s := &Scheduler{fair: opts.Fair, maxDefer: opts.MaxDefer, weight: opts.Weight, now: opts.Now,
		limit: max(opts.Limit, 1), tenants: make(map[string]*tenant)}
	if s.maxDefer == 0 {
		s.maxDefer = DefaultMaxDefer
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Acquire waits for a slot for w, or for ctx to end. The slot is given back
// with Release of the same Waiter.
func (s *Scheduler) Acquire(ctx context.Context, w Waiter) error {
	w = s.waiter(w)
	s.mu.Lock()
	t := s.tenant(w.Tenant)
	if s.waiting == 0 && s.used < s.limit {
		s.take(t)
		s.mu.Unlock()
		return nil
	}
	wt := s.enqueue(t, w)
	s.mu.Unlock()

	select {
	case <-wt.ready:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		defer s.mu.Unlock()
		select {
		case <-wt.ready: // granted while giving up: hand it on
			s.give(t)
		default:
			s.remove(wt)
		}
		s.grant()
		return ctx.Err()
	}
}

// Release gives back a slot that Acquire granted to w.
func (s *Scheduler) Release(w Waiter) {
	w = s.waiter(w)
	s.mu.Lock()
	if t, ok := s.tenants[w.Tenant]; ok && t.inflight > 0 {
		s.give(t)
	} else {
		s.used-- // a release without its acquire: keep the count honest
	}
	s.grant()
	s.mu.Unlock()
}

// waiter is w as the Scheduler reads it: without Options.Fair only
// Background counts.
func (s *Scheduler) waiter(w Waiter) Waiter {
	if !s.fair {
		w = Waiter{Background: w.Background}
	}
	if w.Background {
		w.Priority = background
	}
	return w
}

// SetLimit changes the number of slots (at least 1); slots already held are
// kept, so after a cut no waiter starts until enough of them are released.
func (s *Scheduler) SetLimit(n int) {
	s.mu.Lock()
	s.limit = max(n, 1)
	s.grant()
	s.mu.Unlock()
}

// Snapshot returns the slots held and the limit.
func (s *Scheduler) Snapshot() (used, limit int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used, s.limit
}

// Waiting returns the number of waiters.
func (s *Scheduler) Waiting() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting
}

// grant hands free slots to waiters, chosen by next; s.mu must be held.
func (s *Scheduler) grant() {
	for s.waiting > 0 && s.used < s.limit {
		wt := s.next()
		s.take(wt.q.t) // before remove, which forgets a tenant with nothing
		s.remove(wt)
		close(wt.ready)
	}
}

// next is the waiter to serve (package doc); s.mu must be held and a
// waiter must be waiting.
func (s *Scheduler) next() *waiter {
	if len(s.aged) > 0 && s.now().Sub(s.aged[0].since) >= s.maxDefer {
		return s.aged[0]
	}
	return s.levels[0].ready[0].head
}
