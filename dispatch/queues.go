package dispatch

import (
	"cmp"
	"container/heap"
	"slices"
	"time"
)

// tenant is one tenant's slots held and queues of waiters.
type tenant struct {
	name     string
	weight   int
	inflight int
	last     uint64   // s.seq at its last grant: who was served least recently
	queues   []*queue // one per priority it has waiters at
	idle     bool     // no slots, no waiters: kept for a while (forget)
}

// queue is a tenant's waiters at one priority, in the order they asked.
type queue struct {
	t          *tenant
	lv         *level
	head, tail *waiter
	seq        uint64 // s.seq when it was made: the first to wait goes first among equals
	idx        int    // in lv.ready
}

// level is a priority with waiters: its tenants' queues, the tenant to
// serve first on top.
type level struct {
	priority int
	ready    queueHeap
}

// waiter is one Acquire waiting.
type waiter struct {
	since      time.Time
	seq        uint64
	q          *queue
	prev, next *waiter
	age        int           // index in s.aged; -1 when not there
	ready      chan struct{} // closed when granted
}

// tenant returns name's tenant, made if it has none; s.mu must be held.
func (s *Scheduler) tenant(name string) *tenant {
	if t, ok := s.tenants[name]; ok {
		if t.idle {
			t.idle = false
			s.idle--
		}
		return t
	}
	t := &tenant{name: name, weight: 1}
	if s.weight != nil {
		t.weight = max(s.weight(name), 1)
	}
	s.tenants[name] = t
	return t
}

// take gives t a slot; s.mu must be held.
func (s *Scheduler) take(t *tenant) {
	s.used++
	t.inflight++
	s.seq++
	t.last = s.seq
	s.fix(t)
}

// give takes a slot back from t; s.mu must be held.
func (s *Scheduler) give(t *tenant) {
	s.used--
	t.inflight--
	s.fix(t)
	s.forget(t)
}

// fix moves t's queues to their place after its slots changed.
func (s *Scheduler) fix(t *tenant) {
	for _, q := range t.queues {
		heap.Fix(&q.lv.ready, q.idx)
	}
}

// forget marks t idle when it has neither slots nor waiters. Idle tenants
// are kept, so that a tenant that comes and goes costs no allocation, until
// they are more than keepIdle and half of all: then they are dropped.
func (s *Scheduler) forget(t *tenant) {
	if t.idle || t.inflight > 0 || len(t.queues) > 0 {
		return
	}
	t.idle = true
	s.idle++
	if s.idle <= keepIdle || 2*s.idle <= len(s.tenants) {
		return
	}
	for name, t := range s.tenants {
		if t.idle {
			delete(s.tenants, name)
		}
	}
	s.idle = 0
}

// keepIdle is how many idle tenants are kept at least (forget).
const keepIdle = 64

// enqueue queues a waiter for w of t; s.mu must be held.
func (s *Scheduler) enqueue(t *tenant, w Waiter) *waiter {
	s.seq++
	wt := &waiter{since: w.Since, seq: s.seq, age: -1, ready: make(chan struct{})}
	if wt.since.IsZero() {
		wt.since = s.now()
	}
	i, found := slices.BinarySearchFunc(s.levels, w.Priority, func(lv *level, p int) int { return cmp.Compare(lv.priority, p) })
	if !found {
		s.levels = slices.Insert(s.levels, i, &level{priority: w.Priority})
	}
	lv := s.levels[i]
	var q *queue
	for _, tq := range t.queues {
		if tq.lv == lv {
			q = tq
		}
	}
	if q == nil {
		q = &queue{t: t, lv: lv, seq: s.seq}
		t.queues = append(t.queues, q)
		heap.Push(&lv.ready, q)
	}
	wt.q = q
	if q.tail == nil {
		q.head = wt
	} else {
		q.tail.next, wt.prev = wt, q.tail
	}
	q.tail = wt
	if s.fair && s.maxDefer >= 0 && !w.Background {
		heap.Push(&s.aged, wt)
	}
	s.waiting++
	return wt
}

// remove takes wt out of its queue, and the queue, level and tenant out when
// they have nothing left; s.mu must be held.
func (s *Scheduler) remove(wt *waiter) {
	q := wt.q
	if wt.prev == nil {
		q.head = wt.next
	} else {
		wt.prev.next = wt.next
	}
	if wt.next == nil {
		q.tail = wt.prev
	} else {
		wt.next.prev = wt.prev
	}
	wt.prev, wt.next = nil, nil
	if wt.age >= 0 {
		heap.Remove(&s.aged, wt.age)
	}
	s.waiting--
	if q.head != nil {
		return
	}
	lv := q.lv
	heap.Remove(&lv.ready, q.idx)
	q.t.queues = slices.DeleteFunc(q.t.queues, func(tq *queue) bool { return tq == q })
	if lv.ready.Len() == 0 {
		s.levels = slices.DeleteFunc(s.levels, func(l *level) bool { return l == lv })
	}
	s.forget(q.t)
}

// queueHeap orders a level's queues: fewest slots held for the tenant's
// weight first, then the tenant served least recently, then the queue made
// first.
type queueHeap []*queue

func (h queueHeap) Len() int { return len(h) }
func (h queueHeap) Less(i, j int) bool {
	a, b := h[i].t, h[j].t
	if la, lb := a.inflight*b.weight, b.inflight*a.weight; la != lb {
		return la < lb
	}
	if a.last != b.last {
		return a.last < b.last
	}
	return h[i].seq < h[j].seq
}
func (h queueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *queueHeap) Push(x any) {
	q := x.(*queue)
	q.idx = len(*h)
	*h = append(*h, q)
}
func (h *queueHeap) Pop() any {
	old := *h
	q := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return q
}

// ageHeap orders waiters by how long they have waited, longest first.
type ageHeap []*waiter

func (h ageHeap) Len() int { return len(h) }
func (h ageHeap) Less(i, j int) bool {
	if !h[i].since.Equal(h[j].since) {
		return h[i].since.Before(h[j].since)
	}
	return h[i].seq < h[j].seq
}
func (h ageHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].age, h[j].age = i, j
}
func (h *ageHeap) Push(x any) {
	w := x.(*waiter)
	w.age = len(*h)
	*h = append(*h, w)
}
func (h *ageHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	w.age = -1
	*h = old[:len(old)-1]
	return w
}
