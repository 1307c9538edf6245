package consumer

import (
	"context"

	"github.com/leadworker/leadworker/budget"
)

// scheduler decides which of the records waiting for a handler slot (the
// MaxInFlight bound, adaptive) gets the next one. A record asks for a slot
// only when it is at the head of its lane, so key order holds whatever the
// scheduler picks.
type scheduler interface {
	// acquire waits for a slot for r, or for ctx to end.
	acquire(ctx context.Context, r *record) error
	release(r *record)
	setLimit(n int)
	snapshot() (used, limit int)
}

// fifo serves records in the order they asked.
type fifo struct{ l *budget.Slots }

func newFIFO(limit int) *fifo { return &fifo{l: budget.NewSlots(limit)} }

func (f *fifo) acquire(ctx context.Context, _ *record) error { return f.l.Acquire(ctx) }
func (f *fifo) release(*record)                              { f.l.Release() }
func (f *fifo) setLimit(n int)                               { f.l.SetLimit(n) }
func (f *fifo) snapshot() (used, limit int)                  { return f.l.Snapshot() }
