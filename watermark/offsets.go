package watermark

import (
	"sync"
	"time"
)

// Offsets tracks, for one partition, which fetched offsets are still in
// flight and so where it is safe to commit: the lowest unfinished offset, or
// one past the last finished offset when nothing is in flight.
//
// Offsets are added in fetch order, which is increasing within a partition;
// gaps (compaction, transaction markers) are fine.
type Offsets struct {
	mu      sync.Mutex
	pending []int64        // in-flight offsets in fetch order
	since   []time.Time    // when each pending offset was fetched
	done    map[int64]bool // finished offsets that are not yet at the head
	next    int64          // commit point when nothing is pending; -1 = nothing finished yet
}

// New returns an Offsets with nothing fetched or finished.
func New() *Offsets {
	return &Offsets{done: make(map[int64]bool), next: -1}
}

// Add records a fetched offset as in flight.
func (w *Offsets) Add(offset int64, at time.Time) {
	w.mu.Lock()
	w.pending = append(w.pending, offset)
	w.since = append(w.since, at)
	w.mu.Unlock()
}

// Finish marks an offset's output as durably written.
func (w *Offsets) Finish(offset int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done[offset] = true
	for len(w.pending) > 0 && w.done[w.pending[0]] {
		head := w.pending[0]
		delete(w.done, head)
		w.pending = w.pending[1:]
		w.since = w.since[1:]
		w.next = head + 1
	}
	if len(w.pending) == 0 {
		w.pending, w.since = nil, nil // let the backing arrays go
	}
}

// FetchedNext is the offset after the last one fetched, or the commit point
// when nothing is in flight: every record fetched from now on is at or above
// it.
func (w *Offsets) FetchedNext() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := len(w.pending); n > 0 {
		return w.pending[n-1] + 1
	}
	return max(w.next, 0)
}

// Begin sets the commit point to off, where fetching starts, unless
// something was finished already.
func (w *Offsets) Begin(off int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.next < 0 && len(w.pending) == 0 {
		w.next = off
	}
}

// SkipTo lets the commit point pass every offset below next once the
// offsets fetched before it are finished: they no longer exist (deleted by
// retention before they were read). next must be above every offset added.
func (w *Offsets) SkipTo(next int64, at time.Time) {
	w.Add(next-1, at)
	w.Finish(next - 1)
}

// CommitPoint returns the offset to commit (the next offset the group should
// read) and false when nothing has finished since the partition was assigned.
func (w *Offsets) CommitPoint() (int64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.next < 0 {
		return 0, false
	}
	return w.next, true
}

// InFlight returns how many fetched offsets are not finished.
func (w *Offsets) InFlight() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending)
}

// Oldest returns when the oldest unfinished offset was fetched.
func (w *Offsets) Oldest() (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.since) == 0 {
		return time.Time{}, false
	}
	return w.since[0], true
}
