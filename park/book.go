package park

import (
	"context"
	"slices"
	"sync"
)

// Book counts, for one generation of a consumer group, the parked records
// not yet handed back and finished, by partition and tenant (leadworker's
// tenant is the department). Partition p of the parked topic and of the
// topics co-partitioned with it are read by one member, so the book of that
// member knows everything parked of p.
//
// At assignment a partition's count is read from the parked topic (Scan);
// until then Wait holds the co-partitioned partitions back, so that no
// record of a tenant with parked records slips past them.
type Book struct {
	mu     sync.Mutex
	counts map[int]map[string]int
	ready  map[int]chan struct{} // closed when the partition's scan is done
}

// NewBook returns an empty book.
func NewBook() *Book {
	return &Book{counts: make(map[int]map[string]int), ready: make(map[int]chan struct{})}
}

// Expect says that partition p of the parked topic is assigned: Wait(p)
// waits until Ready(p).
func (b *Book) Expect(p int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.ready[p]; !ok {
		b.ready[p] = make(chan struct{})
	}
}

// Ready says that partition p's parked records are counted.
func (b *Book) Ready(p int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ch, ok := b.ready[p]; ok {
		select {
		case <-ch:
		default:
			close(ch)
		}
	}
}

// Wait waits until partition p's parked records are counted, or ctx ends.
// It returns at once for a partition not expected.
func (b *Book) Wait(ctx context.Context, p int) error {
	b.mu.Lock()
	ch, ok := b.ready[p]
	b.mu.Unlock()
	if !ok {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Add counts one more parked record of tenant on partition p.
func (b *Book) Add(p int, tenant string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.counts[p]
	if m == nil {
		m = make(map[string]int)
		b.counts[p] = m
	}
	m[tenant]++
}

// Done counts one parked record of tenant on partition p handed back and
// finished.
func (b *Book) Done(p int, tenant string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.counts[p]
	if m[tenant] <= 1 {
		delete(m, tenant)
		return
	}
	m[tenant]--
}

// Count returns the parked records of tenant on partition p.
func (b *Book) Count(p int, tenant string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.counts[p][tenant]
}

// Total returns the parked records on every partition of the book.
func (b *Book) Total() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, m := range b.counts {
		for _, c := range m {
			n += c
		}
	}
	return n
}

// ByTenant returns the parked records of each tenant, over every partition
// of the book.
func (b *Book) ByTenant() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]int)
	for _, m := range b.counts {
		for t, c := range m {
			if c > 0 {
				out[t] += c
			}
		}
	}
	return out
}

// ForGeneration returns the book of a generation assigned these partitions
// of the parked topic, but those in skip (not read in this generation): it
// expects each of the others to be counted before Wait returns for its id.
func ForGeneration(assigned, skip []int) *Book {
	b := NewBook()
	for _, id := range assigned {
		if !slices.Contains(skip, id) {
			b.Expect(id)
		}
	}
	return b
}
