package consumer

import (
	"context"
	"github.com/leadworker/leadworker/fetch"
	"strconv"

	"github.com/leadworker/leadworker/park"
	"github.com/leadworker/leadworker/recovery"
	"github.com/leadworker/leadworker/route"
	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

// Parking (Options.ParkTopic). A parked record goes to the partition of the
// parked topic with the id of the partition it was read from, and comes
// back to the consumer of that partition, which the group gives to the
// member that reads that id of every co-partitioned topic (route.Aligned).
// The generation's park.Book counts the parked records per partition and
// tenant (Message.ParkedAhead): at assignment from the parked topic itself,
// before any co-partitioned partition of the id is read.

// parkMessage is the parked-topic record for m: a route record of it (its
// origin in route headers, its other headers kept but old park headers)
// (naming the group that routed m, if any) with the tenant, the partition id and p's headers, and the source headers
// of what it answers, so that after a crash the record is known to be
// parked.
func parkMessage(m *Message, st recovery.Stamp, p *Park, partition int) kafka.Message {
	in := make([]Header, 0, len(m.Headers))
	for _, h := range m.Headers {
		if !park.Own(h.Key) {
			in = append(in, h)
		}
	}
	km := routeMessage(&Message{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: m.Key, Value: m.Value, Headers: in, Epoch: m.Epoch},
		&Route{Key: m.Key}, m.RoutedBy) // the route stage's group, which the Handler checks again
	km.Headers = append(km.Headers,
		kafka.Header{Key: park.HeaderTenant, Value: []byte(p.Tenant)},
		kafka.Header{Key: park.HeaderPartition, Value: []byte(strconv.Itoa(partition))})
	for _, h := range p.Headers {
		km.Headers = append(km.Headers, kafka.Header{Key: h.Key, Value: h.Value})
	}
	km.Headers = appendSourceHeaders(km.Headers, m, st)
	return km
}

// fromPark turns a record read from the parked topic into the input record
// it carries, answering for its own position, and waits for ParkHold. It
// reports false when ctx ended first.
func (p *partition) fromPark(ctx context.Context, r *record) bool {
	own := recovery.Origin{Topic: p.topic, Partition: p.id, Offset: r.offset}
	hs := make([]kafka.Header, len(r.msg.Headers))
	for i, h := range r.msg.Headers {
		hs[i] = kafka.Header{Key: h.Key, Value: h.Value}
	}
	tenant, _ := park.Get(hs, park.HeaderTenant)
	if !unroute(&r.msg) {
		p.log.WithField("offset", r.offset).Warn("parked record without its input position; handled as it is")
	}
	r.msg.Routed = p.c.opts.Routed // a parked record is what this consumer read: routed or not
	r.msg.Parked, r.msg.parked, r.msg.Epoch, r.tenant = true, &own, p.rec.Epoch(), string(tenant)
	return p.c.opts.ParkHold == nil || p.c.opts.ParkHold(ctx, &r.msg) == nil
}

// ParkedTotal returns the parked records of the partitions this member
// reads from Options.ParkTopic, not yet handed back and finished.
func (c *Consumer) ParkedTotal() int {
	if b := c.book.Load(); b != nil {
		return b.Total()
	}
	return 0
}

// Parked returns ParkedTotal by tenant.
func (c *Consumer) Parked() map[string]int {
	if b := c.book.Load(); b != nil {
		return b.ByTenant()
	}
	return nil
}

// unparked counts a record read back from the parked topic as handed back.
func (p *partition) unparked(r *record) {
	if r.msg.Parked && p.book != nil {
		p.book.Done(p.id, r.tenant)
	}
}

// parkReady counts, for a partition of the parked topic, the parked records
// from start to the end; for a co-partitioned partition it waits for that
// count. It reports false when the generation or the process ended first.
func (p *partition) parkReady(shutdown, genCtx context.Context, start int64) bool {
	if p.book == nil {
		return true
	}
	ctx, cancel := context.WithCancel(genCtx)
	defer cancel()
	defer context.AfterFunc(shutdown, cancel)()
	if p.topic != p.c.opts.ParkTopic {
		return p.book.Wait(ctx, p.id) == nil
	}
	end := func(ctx context.Context) (int64, error) {
		_, last, err := fetch.Bounds(ctx, p.c.fetcher, p.topic, p.id)
		return last, err
	}
	return park.Count(ctx, park.CountOptions{Client: p.c.fetcher, Topic: p.topic, Partition: p.id, From: start, End: end,
		BackOff: p.c.retryBackOff(), Log: p.log}, p.book) == nil
}

// parkBook returns the generation's book of parked records (nil without a
// parked topic), and the partitions of the co-partitioned topics not to read
// in this generation, because their id is not assigned in all of them.
func (c *Consumer) parkBook(gen *kafka.Generation) (*park.Book, map[string][]int) {
	assigned := make(map[string][]int)
	for topic, parts := range gen.Assignments {
		for _, pa := range parts {
			assigned[topic] = append(assigned[topic], pa.ID)
		}
	}
	skip := route.Misaligned(assigned, c.opts.CoPartitioned)
	if len(skip) > 0 {
		c.log.WithFields(logrus.Fields{"generation": gen.ID, "not_read": skip}).
			Warn("the group's assignment splits co-partitioned topics (members reading different topics, such as during a rolling deploy): these partitions are not read until the next rebalance")
	}
	if c.opts.ParkTopic == "" {
		return nil, skip
	}
	return park.ForGeneration(assigned[c.opts.ParkTopic], skip[c.opts.ParkTopic]), skip
}

// balancers are the group's assignors: with co-partitioned topics
// route.Aligned first (every member of this version offers it), then
// kafka-go's range, which members of older versions offer too.
func (o *Options) balancers() []kafka.GroupBalancer {
	if len(o.CoPartitioned) == 0 {
		return nil // kafka-go's default
	}
	return []kafka.GroupBalancer{route.Aligned{}, kafka.RangeGroupBalancer{}}
}

// outputs are the topics whose records answer input records.
func (o *Options) outputs() []string {
	out := []string{o.ResultTopic, o.DLQTopic}
	if o.ParkTopic != "" {
		out = append(out, o.ParkTopic)
	}
	return out
}
