package consumer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/sirupsen/logrus"
)

// Fetching. A partition reads its records with kafka.Client.Fetch rather
// than kafka-go's Reader:
//
//   - Room for a whole fetch response (the topic's max.message.bytes: a
//     broker answers with at least one whole batch) is taken from the byte
//     budget before the fetch is sent, and what the records do not use is
//     given back once they are read. The request asks for no more than
//     responses have held decompressed (fetchAsk). So
//     Options.MaxBufferedBytes bounds what is fetched as well as what waits
//     to be handled; nothing is prefetched outside it.
//   - An empty key, value or header value stays empty and a null stays null
//     (the Reader turns both into nil).
//   - A fetch position the log no longer has is seen: records deleted
//     before they were read (retention) are counted in Stats.Skipped and
//     logged, where the Reader skips them silently, and a position past the
//     end of the log (a topic deleted and created again, offsets set by
//     hand) is listed in Stats.PastEnd and nothing more is read from the
//     partition, where the Reader waits until the new log reaches the
//     position and then passes over everything below it unseen.

// errPastEnd: the fetch position is past the end of the log.
var errPastEnd = errors.New("fetch position is past the end of the log")

// fetch reads the partition from off and dispatches its records until ctx
// ends. A record is dispatched once it has a buffer slot; a record that got
// none (ctx ended) was not dispatched and is redelivered.
func (p *partition) fetch(ctx context.Context, off int64) {
	bo := p.c.retryBackOff()
	var ask fetchAsk
	for {
		size := p.c.fetchSize(p.topic)
		if err := p.c.bytes.acquire(ctx, size); err != nil {
			return
		}
		recs, next, err := p.fetchOnce(ctx, off, ask.next(size))
		if err == nil {
			bo.Reset()
			p.c.pastEnd.clear(p.topic, p.id)
			ask.got(size, recs)
			if !p.dispatchAll(ctx, recs, size) {
				return
			}
			off = next
			continue
		}
		p.c.bytes.release(size)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, kafka.OffsetOutOfRange) {
			if off, err = p.outOfRange(ctx, off); err == nil {
				continue
			}
		}
		if errors.Is(err, kafka.UnknownTopicOrPartition) && p.deleted(ctx, off) {
			err = errPastEnd
		}
		if errors.Is(err, errPastEnd) {
			// Do not wait for the log to grow back to off: records written
			// to the new log below off would be passed over unseen. The
			// partition stays listed until it is given up.
			<-ctx.Done()
			return
		}
		p.log.WithError(err).WithField("offset", off).Warn("fetch failed, retrying")
		if !sleep(ctx, bo.NextBackOff()) {
			return
		}
	}
}

// fetchAsk sizes a partition's fetch requests so that what a response
// holds once decompressed stays within the room taken for it. The broker
// counts a fetch's bytes as they are stored, compressed, and a compressed
// batch of large, repetitive records can hold twenty times its size: a
// fetch asking for the room it took would then bring many times that. So
// the request starts small (fetchStart) and follows what responses held:
// it shrinks in proportion when a response held more than the room, and
// doubles, up to the room, while responses fill it less than half. A broker
// answers a fetch with at least one whole batch however small the request,
// so the request never starves.
type fetchAsk struct{ want int64 }

// fetchStart is the first request's size.
const fetchStart = 64 << 10

// next returns the MaxBytes of the next request for a room of size bytes.
func (a *fetchAsk) next(size int64) int64 {
	if a.want == 0 {
		a.want = fetchStart
	}
	a.want = min(a.want, size)
	return a.want
}

// got adjusts the request to what a response for a room of size held.
func (a *fetchAsk) got(size int64, recs []*record) {
	var total int64
	for _, r := range recs {
		total += r.bytes
	}
	switch {
	case total > size:
		a.want = max(1, a.want*size/total)
	case total <= size/2 && total >= a.want/2:
		a.want = min(size, 2*a.want)
	}
}

// fetchOnce fetches up to maxBytes (as stored) once at off and returns the
// records at or above off and the offset to fetch next.
func (p *partition) fetchOnce(ctx context.Context, off, maxBytes int64) ([]*record, int64, error) {
	res, err := p.c.fetcher.Fetch(ctx, &kafka.FetchRequest{
		Topic: p.topic, Partition: p.id, Offset: off,
		MinBytes: 1, MaxBytes: maxBytes, MaxWait: p.c.opts.MaxWait,
	})
	if err != nil {
		return nil, off, fmt.Errorf("fetch %s/%d at %d: %w", p.topic, p.id, off, err)
	}
	if res.Error != nil {
		return nil, off, fmt.Errorf("fetch %s/%d at %d: %w", p.topic, p.id, off, res.Error)
	}
	recs, next, err := readRecords(res.Records, p.topic, p.id, off)
	if err != nil && len(recs) == 0 {
		return nil, off, fmt.Errorf("fetch %s/%d at %d: %w", p.topic, p.id, off, err)
	}
	return recs, next, nil
}

// readRecords reads a fetch response's records at or above off, and returns
// them with the offset after the last record or control record read. The
// records' key, value and headers are copied out, nil only where the log has
// null.
func readRecords(rs kafka.RecordReader, topic string, partition int, off int64) ([]*record, int64, error) {
	next := off
	var out []*record
	read := func(rr kafka.RecordReader, control bool) error {
		for {
			r, err := rr.ReadRecord()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if r.Offset < off {
				continue // a batch may start before the offset asked for
			}
			next = max(next, r.Offset+1)
			if control {
				continue // a transaction marker: it takes an offset, it is no record
			}
			rec, err := newRecord(r, topic, partition)
			if err != nil {
				return err
			}
			out = append(out, rec)
		}
	}
	stream, ok := rs.(*protocol.RecordStream)
	if !ok {
		return out, next, read(rs, false)
	}
	// RecordStream leaves out control batches; read them too, for their
	// offsets, or a partition ending in a transaction marker is fetched at the
	// marker for ever.
	for _, batch := range stream.Records {
		_, control := batch.(*protocol.ControlBatch)
		if err := read(batch, control); err != nil {
			return out, next, err
		}
	}
	return out, next, nil
}

func newRecord(r *kafka.Record, topic string, partition int) (*record, error) {
	key, err := kafka.ReadAll(r.Key)
	if err != nil {
		return nil, err
	}
	value, err := kafka.ReadAll(r.Value)
	if err != nil {
		return nil, err
	}
	var hs []Header
	if len(r.Headers) > 0 {
		hs = make([]Header, len(r.Headers))
		for i, h := range r.Headers {
			hs[i] = Header{Key: h.Key, Value: h.Value}
		}
	}
	rec := &record{
		msg:    Message{Topic: topic, Partition: partition, Offset: r.Offset, Key: key, Value: value, Time: r.Time, Headers: hs},
		offset: r.Offset,
	}
	rec.bytes = recordBytes(&rec.msg)
	return rec, nil
}

// dispatchAll hands recs to their lanes. They arrive holding size bytes of
// the budget, taken before the fetch; what they do not use is given back
// (a compressed batch can hold more than it weighed on the wire: the excess
// is taken as well, past the limit if need be, as for one record larger than
// the limit). It reports false when ctx ended before every record had a
// buffer slot; the bytes of the undispatched ones are given back.
func (p *partition) dispatchAll(ctx context.Context, recs []*record, size int64) bool {
	var total int64
	for _, r := range recs {
		total += r.bytes
	}
	if total <= size {
		p.c.bytes.release(size - total)
	} else {
		p.c.bytes.force(total - size)
	}
	if len(recs) > 0 && p.wm.inFlight() == 0 {
		// Caught up: fresh output positions for the commits of what follows.
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		p.rec.Caught(ctx, recs[0].offset)
		cancel()
		p.caught.Store(true)
		p.kick()
	}
	for i, r := range recs {
		if !p.c.opts.Routed {
			r.msg.Epoch = p.rec.Epoch()
		} else if !unroute(&r.msg) {
			p.log.WithField("offset", r.offset).Warn("route record without its input position; handled as it is")
		}
		if err := p.c.buffered.acquire(ctx); err != nil {
			for _, left := range recs[i:] {
				p.c.bytes.release(left.bytes)
			}
			return false
		}
		r.fetched = p.c.opts.Now()
		p.wm.add(r.offset, r.fetched)
		r.insp = p.c.opts.Inspect(&r.msg)
		p.lanes.dispatch(r.insp.Lane, r)
	}
	return true
}

// outOfRange handles a fetch at off that the log does not have. Below the
// log start (retention deleted the records before they were read) it counts
// the lost records, lets the commit point pass them and returns the log
// start. Past the log end it lists the partition in Stats.PastEnd and returns
// errPastEnd: the partition is not fetched again in this generation, since
// the log it now has is not the one off was in; only an operator can mend
// it, by resetting the group's offsets.
func (p *partition) outOfRange(ctx context.Context, off int64) (int64, error) {
	first, last, err := p.c.bounds(ctx, p.topic, p.id)
	if err != nil {
		return off, err
	}
	switch {
	case off < first:
		n := first - off
		p.c.skipped.add(p.topic, n)
		p.log.WithFields(logrus.Fields{"offset": off, "log_start": first, "skipped": n}).
			Error("records were deleted (retention) before they were read; they are lost to leadworker: skipping to the log start")
		p.wm.skipTo(first, p.c.opts.Now())
		p.kick()
		return first, nil
	case off > last:
		if p.c.pastEnd.set(p.topic, p.id, off, last) {
			p.log.WithFields(logrus.Fields{"offset": off, "log_end": last}).
				Error("the fetch position is past the end of the log (the topic was deleted and created again, or offsets were set by hand); not ready until the group's offsets are reset")
		}
		return off, errPastEnd
	}
	return off, nil // in range again: fetch again
}

// deleted reports whether the partition's topic no longer exists, and if so
// lists the partition in Stats.PastEnd (with LogEnd -1): when the topic is
// created again its log starts over, and off means nothing in it.
func (p *partition) deleted(ctx context.Context, off int64) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	missing, err := p.c.opts.missingTopics(ctx)
	if err != nil || !slices.Contains(missing, p.topic) {
		return false
	}
	if p.c.pastEnd.set(p.topic, p.id, off, -1) {
		p.log.WithField("offset", off).Error("the topic was deleted while it was read; this partition is not read again until the group's offsets are reset and leadworker restarted")
	}
	return true
}

// bounds returns the first and the end offset of a partition.
func (c *Consumer) bounds(ctx context.Context, topic string, partition int) (first, last int64, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	res, err := c.fetcher.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
		topic: {kafka.FirstOffsetOf(partition), kafka.LastOffsetOf(partition)},
	}})
	if err != nil {
		return 0, 0, fmt.Errorf("offsets of %s/%d: %w", topic, partition, err)
	}
	for _, po := range res.Topics[topic] {
		if po.Partition != partition {
			continue
		}
		if po.Error != nil {
			return 0, 0, fmt.Errorf("offsets of %s/%d: %w", topic, partition, po.Error)
		}
		return po.FirstOffset, po.LastOffset, nil
	}
	return 0, 0, fmt.Errorf("offsets of %s/%d: not in the answer", topic, partition)
}

// startOffset resolves a generation's start offset: the committed offset,
// or the log start when the group has committed nothing for the partition.
func (p *partition) startOffset(ctx context.Context) (int64, error) {
	if p.start >= 0 {
		return p.start, nil
	}
	first, _, err := p.c.bounds(ctx, p.topic, p.id)
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
