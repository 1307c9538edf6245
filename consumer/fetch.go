package consumer

import (
	"context"
	"slices"
	"time"

	"github.com/leadworker/leadworker/fetch"
)

// fetch reads the partition from off within the byte budget (package
// fetch) and dispatches its records until ctx ends.
func (p *partition) fetch(ctx context.Context, off int64) {
	fetch.Run(ctx, fetch.Options{
		Client: p.c.fetcher, Topic: p.topic, Partition: p.id,
		Budget:  p.c.bytes,
		Size:    func() int64 { return p.c.fetchSize(p.topic) },
		MaxWait: p.c.opts.MaxWait,
		BackOff: p.c.retryBackOff(),
		Log:     p.log,
		Skipped: func(from, to int64) {
			p.c.losses.Skip(p.topic, to-from)
			p.wm.SkipTo(to, p.c.opts.Now())
			p.kick()
		},
		PastEnd: func(off, end int64) bool { return p.c.losses.SetPastEnd(p.topic, p.id, off, end) },
		Gone:    p.gone,
	}, off, func(recs []fetch.Record) bool { return p.dispatchAll(ctx, recs) })
}

// dispatchAll hands fetched records to their lanes, each holding its bytes
// of the budget. It reports false when ctx ended before every record had a
// buffer slot; the bytes of the undispatched ones are given back.
func (p *partition) dispatchAll(ctx context.Context, fetched []fetch.Record) bool {
	recs := make([]*record, len(fetched))
	for i, f := range fetched {
		recs[i] = newRecord(f, p.topic, p.id)
	}
	if len(recs) > 0 && p.wm.InFlight() == 0 {
		// Caught up: fresh output positions for the commits of what follows.
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		p.rec.Caught(ctx, recs[0].offset)
		cancel()
		p.caught.Store(true)
		p.kick()
	}
	for i, r := range recs {
		switch {
		case p.topic == p.c.opts.ParkTopic:
			if !p.fromPark(ctx, r) { // park.go
				for _, left := range recs[i:] {
					p.c.bytes.Release(left.bytes)
				}
				return false
			}
		case !p.c.opts.Routed:
			r.msg.Epoch = p.rec.Epoch()
		case !unroute(&r.msg):
			p.log.WithField("offset", r.offset).Warn("route record without its input position; handled as it is")
		}
		if err := p.acquireBuffered(ctx, r); err != nil { // bulk.go
			for _, left := range recs[i:] {
				p.c.bytes.Release(left.bytes)
			}
			return false
		}
		r.fetched = p.c.opts.Now()
		p.wm.Add(r.offset, r.fetched)
		r.insp = p.c.opts.Inspect(&r.msg)
		if !r.msg.Parked {
			r.tenant = r.insp.Tenant
		}
		p.lanes.dispatch(r.insp.Lane, r)
	}
	return true
}

// gone reports whether the partition's topic no longer exists.
func (p *partition) gone(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	missing, err := p.c.opts.missingTopics(ctx)
	return err == nil && slices.Contains(missing, p.topic)
}

// startOffset resolves a generation's start offset: the committed offset,
// or the log start when the group has committed nothing for the partition.
func (p *partition) startOffset(ctx context.Context) (int64, error) {
	if p.start >= 0 {
		return p.start, nil
	}
	first, _, err := fetch.Bounds(ctx, p.c.fetcher, p.topic, p.id)
	return first, err
}

// fetchSize is the budget one fetch of topic takes: the most a broker may
// answer with, which is at least one whole batch of the topic's
// max.message.bytes (or MaxRecordBytes when that is not known).
func (c *Consumer) fetchSize(topic string) int64 {
	c.mu.Lock()
	limit := c.limits[topic]
	c.mu.Unlock()
	return c.fetchSizeOf(limit)
}

// fetchSizeOf is the budget one fetch of a topic with that max.message.bytes
// takes (0: not known).
func (c *Consumer) fetchSizeOf(maxMessageBytes int) int64 {
	return int64(max(maxMessageBytes, c.opts.MaxRecordBytes) + batchOverhead)
}
