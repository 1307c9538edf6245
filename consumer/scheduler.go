package consumer

import "context"

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
type fifo struct{ l *limiter }

func newFIFO(limit int) *fifo { return &fifo{l: newLimiter(limit)} }

func (f *fifo) acquire(ctx context.Context, _ *record) error { return f.l.acquire(ctx) }
func (f *fifo) release(*record)                              { f.l.release() }
func (f *fifo) setLimit(n int)                               { f.l.setLimit(n) }
func (f *fifo) snapshot() (used, limit int)                  { return f.l.snapshot() }
