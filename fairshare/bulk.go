package fairshare

import (
	"sync"
	"time"
)

// BulkRule says when the route stage sends a department's events to the
// bulk route topic instead of the route topic: while, in the last Window of
// this replica's route stage, the department's events routed (to either
// route) are more than Threshold and more than Share of all events routed.
// It is the noisy-neighbour rule of a fair queue: a department that floods
// the stage, and only such a one, is moved aside, and is moved back once
// its last Window is quiet again. The process stage serves the bulk route
// only with the handler slots the route topic leaves free.
//
// An identity keeps its route while it is active: an event whose routing
// key took one route within the last Window takes it again, whatever its
// department's state, so that a customer's events stay in one route, in
// order, when the department becomes bulk or stops being bulk. The route
// stage remembers at most maxStickyKeys keys; beyond that, new keys follow
// their department alone.
//
// Threshold 0 sends nothing to the bulk route.
type BulkRule struct {
	Threshold int           // BULK_THRESHOLD
	Window    time.Duration // BULK_WINDOW
	Share     float64       // BULK_SHARE, in (0, 1]
}

// maxStickyKeys bounds the routing keys a route stage remembers the route
// of (about 100 bytes each).
const maxStickyKeys = 200_000

// keyRoute is the route a routing key took last, and when.
type keyRoute struct {
	bulk bool
	seen time.Time
}

// bulkBuckets is how many slices a window is counted in: a department's
// count falls a twelfth of a window at a time.
const bulkBuckets = 12

// Bulk applies a BulkRule to the events one route stage routes. It
// is safe for concurrent use.
type Bulk struct {
	rule  BulkRule
	width time.Duration // one bucket

	mu    sync.Mutex
	start time.Time           // the beginning of the newest bucket
	head  int                 // index of the newest bucket
	total [bulkBuckets]int    // events of every department, by bucket
	depts map[string]*counts  // departments with events in the window
	sum   int                 // the sum of total
	keys  map[string]keyRoute // routing keys seen in the window
}

// counts is one department's events by bucket, and their sum.
type counts struct {
	n   [bulkBuckets]int
	sum int
}

// NewBulk returns a Bulk applying rule, its window empty.
func NewBulk(rule BulkRule) *Bulk {
	return &Bulk{rule: rule, width: max(rule.Window/bulkBuckets, time.Millisecond), depts: make(map[string]*counts), keys: make(map[string]keyRoute)}
}

// Route counts one event of dept with routing key key, routed at now, and
// reports whether it goes to the bulk route.
func (b *Bulk) Route(dept, key string, now time.Time) bool {
	if b.rule.Threshold <= 0 {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(now)
	c := b.depts[dept]
	if c == nil {
		c = &counts{}
		b.depts[dept] = c
	}
	c.n[b.head]++
	c.sum++
	b.total[b.head]++
	b.sum++
	bulk := b.flooding(c)
	if key == "" {
		return bulk
	}
	k, known := b.keys[key]
	if known {
		bulk = k.bulk
	}
	if known || len(b.keys) < maxStickyKeys {
		b.keys[key] = keyRoute{bulk: bulk, seen: now}
	}
	return bulk
}

// advance moves the window to now, dropping the buckets that left it.
func (b *Bulk) advance(now time.Time) {
	if b.start.IsZero() {
		b.start = now
		return
	}
	steps := int(now.Sub(b.start) / b.width)
	if steps <= 0 {
		return
	}
	b.start = b.start.Add(time.Duration(steps) * b.width)
	for k, r := range b.keys {
		if now.Sub(r.seen) >= b.rule.Window {
			delete(b.keys, k)
		}
	}
	for range min(steps, bulkBuckets) {
		b.head = (b.head + 1) % bulkBuckets
		b.sum -= b.total[b.head]
		b.total[b.head] = 0
		for d, c := range b.depts {
			c.sum -= c.n[b.head]
			c.n[b.head] = 0
			if c.sum == 0 {
				delete(b.depts, d)
			}
		}
	}
}

// Departments returns the departments whose events go to the bulk route now.
func (b *Bulk) Departments(now time.Time) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(now)
	var out []string
	for d, c := range b.depts {
		if b.flooding(c) {
			out = append(out, d)
		}
	}
	return out
}

// flooding reports whether the department counted in c is past the rule's
// threshold and share in the window; b.mu must be held.
func (b *Bulk) flooding(c *counts) bool {
	return c.sum > b.rule.Threshold && float64(c.sum) > b.rule.Share*float64(b.sum)
}
