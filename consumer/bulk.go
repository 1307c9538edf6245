package consumer

import (
	"context"

	"github.com/segmentio/kafka-go"
)

// The bulk route (Options.BulkTopic). A Handler that routes may send a
// record to the bulk route topic instead of the route topic (Route.Bulk):
// the same route record, placed by the same balancer over the same
// partition count, so that an identity has one partition id in both. A
// consumer that reads the bulk topic among its Topics gives its records a
// handler slot only when no record of another topic waits for one
// (dispatch.Waiter.Background), and holds at most bulkBuffered of them
// among the buffered records, so that a deep bulk backlog neither delays
// nor crowds out what the other topics bring.

// bulkBuffered is how many of MaxBuffered the bulk topic's records may
// hold: a quarter, and at least MaxInFlight so that they can fill every
// free handler slot.
func bulkBuffered(o *Options) int { return max(o.MaxBuffered/4, o.MaxInFlight) }

// bulkWriter returns the bulk topic's writer, placing keys with route, the
// route writer's balancer; nil without Options.BulkTopic.
func bulkWriter(o *Options, l limits, route kafka.Balancer) *kafka.Writer {
	if o.BulkTopic == "" {
		return nil
	}
	w := newWriter(o, o.BulkTopic, l.byTopic[o.BulkTopic], max(l.input, o.MaxRecordBytes)+HeaderRoom)
	w.Balancer = route
	return w
}

// acquireBuffered takes r's place among the buffered records: for a record
// of the bulk topic, one of the bulk share first.
func (p *partition) acquireBuffered(ctx context.Context, r *record) error {
	if p.topic == p.c.opts.BulkTopic && p.topic != "" {
		if err := p.c.bulk.Acquire(ctx); err != nil {
			return err
		}
		if err := p.c.buffered.Acquire(ctx); err != nil {
			p.c.bulk.Release()
			return err
		}
		r.msg.Bulk = true
		return nil
	}
	return p.c.buffered.Acquire(ctx)
}

// releaseBuffered gives back what acquireBuffered took for r.
func (p *partition) releaseBuffered(r *record) {
	p.c.buffered.Release()
	if r.msg.Bulk {
		p.c.bulk.Release()
	}
}
