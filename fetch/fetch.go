package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/sirupsen/logrus"
)

// Budget is the byte budget fetches take their room from.
type Budget interface {
	// Acquire waits until n bytes may be held, or for ctx to end.
	Acquire(ctx context.Context, n int64) error
	Release(n int64)
	// Force takes n bytes at once, past the limit if need be.
	Force(n int64)
}

// Record is one record read, its key, value and headers copied out (nil
// only where the log has null).
type Record struct {
	Offset  int64
	Time    time.Time
	Key     []byte
	Value   []byte
	Headers []kafka.Header
	Bytes   int64 // what it holds of the budget: key, value and headers
}

// Options configures Run.
type Options struct {
	Client    *kafka.Client // required
	Topic     string
	Partition int
	Budget    Budget // required
	// Size is the room one fetch takes: at least one whole batch of the
	// topic (its max.message.bytes plus batch overhead).
	Size    func() int64
	MaxWait time.Duration   // a fetch's wait for new data
	BackOff backoff.BackOff // between failed fetches; never gives up
	Log     logrus.FieldLogger
	// Skipped is told of records deleted (by retention) before they were
	// read: from is where reading was, to where it goes on. The caller lets
	// its commit point pass them.
	Skipped func(from, to int64)
	// PastEnd is told that off is past the end of the log (end, or -1 when
	// the topic was deleted while it was read): the partition is not read
	// again; it returns whether this is news (to log it once).
	PastEnd func(off, end int64) bool
	// Gone reports whether the topic no longer exists.
	Gone func(ctx context.Context) bool
}

// errPastEnd: the fetch position is past the end of the log.
var errPastEnd = errors.New("fetch position is past the end of the log")

// Run reads the partition from off until ctx ends or deliver returns false,
// handing deliver the records of each fetch, each holding its Bytes of the
// budget (deliver gives them back). It returns early when the fetch position
// is past the end of the log.
func Run(ctx context.Context, o Options, off int64, deliver func(recs []Record) bool) {
	var a ask
	for {
		size := o.Size()
		if err := o.Budget.Acquire(ctx, size); err != nil {
			return
		}
		recs, next, err := o.once(ctx, off, a.next(size))
		if err == nil {
			o.BackOff.Reset()
			var total int64
			for _, r := range recs {
				total += r.Bytes
			}
			a.got(size, total)
			if total <= size {
				o.Budget.Release(size - total)
			} else {
				// A compressed batch held more than it weighed on the wire.
				o.Budget.Force(total - size)
			}
			if !deliver(recs) {
				return
			}
			off = next
			continue
		}
		o.Budget.Release(size)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, kafka.OffsetOutOfRange) {
			if off, err = o.outOfRange(ctx, off); err == nil {
				continue
			}
		}
		if errors.Is(err, kafka.UnknownTopicOrPartition) && o.Gone(ctx) {
			if o.PastEnd(off, -1) {
				o.Log.WithField("offset", off).Error("the topic was deleted while it was read; this partition is not read again until the group's offsets are reset and leadworker restarted")
			}
			err = errPastEnd
		}
		if errors.Is(err, errPastEnd) {
			// Do not wait for the log to grow back to off: records written
			// to the new log below off would be passed over unseen.
			return
		}
		o.Log.WithError(err).WithField("offset", off).Warn("fetch failed, retrying")
		if !sleep(ctx, o.BackOff.NextBackOff()) {
			return
		}
	}
}

// once fetches up to maxBytes (as stored) once at off and returns the
// records at or above off and the offset to fetch next.
func (o *Options) once(ctx context.Context, off, maxBytes int64) ([]Record, int64, error) {
	res, err := o.Client.Fetch(ctx, &kafka.FetchRequest{
		Topic: o.Topic, Partition: o.Partition, Offset: off,
		MinBytes: 1, MaxBytes: maxBytes, MaxWait: o.MaxWait,
	})
	if err != nil {
		return nil, off, fmt.Errorf("fetch %s/%d at %d: %w", o.Topic, o.Partition, off, err)
	}
	if res.Error != nil {
		return nil, off, fmt.Errorf("fetch %s/%d at %d: %w", o.Topic, o.Partition, off, res.Error)
	}
	recs, next, err := readRecords(res.Records, off)
	if err != nil && len(recs) == 0 {
		return nil, off, fmt.Errorf("fetch %s/%d at %d: %w", o.Topic, o.Partition, off, err)
	}
	return recs, next, nil
}

// outOfRange handles a fetch at off that the log does not have. Below the
// log start (retention deleted the records before they were read) it tells
// Skipped and returns the log start. Past the log end it tells PastEnd and
// returns errPastEnd: the log it now has is not the one off was in; only an
// operator can mend it, by resetting the group's offsets.
func (o *Options) outOfRange(ctx context.Context, off int64) (int64, error) {
	first, last, err := Bounds(ctx, o.Client, o.Topic, o.Partition)
	if err != nil {
		return off, err
	}
	switch {
	case off < first:
		o.Log.WithFields(logrus.Fields{"offset": off, "log_start": first, "skipped": first - off}).
			Error("records were deleted (retention) before they were read; they are lost to leadworker: skipping to the log start")
		o.Skipped(off, first)
		return first, nil
	case off > last:
		if o.PastEnd(off, last) {
			o.Log.WithFields(logrus.Fields{"offset": off, "log_end": last}).
				Error("the fetch position is past the end of the log (the topic was deleted and created again, or offsets were set by hand); not ready until the group's offsets are reset")
		}
		return off, errPastEnd
	}
	return off, nil // in range again: fetch again
}

// Bounds returns the first and the end offset of a partition.
func Bounds(ctx context.Context, c *kafka.Client, topic string, partition int) (first, last int64, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	res, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
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

// readRecords reads a fetch response's records at or above off, and returns
// them with the offset after the last record or control record read.
func readRecords(rs kafka.RecordReader, off int64) ([]Record, int64, error) {
	next := off
	var out []Record
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
			rec, err := newRecord(r)
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

func newRecord(r *kafka.Record) (Record, error) {
	key, err := kafka.ReadAll(r.Key)
	if err != nil {
		return Record{}, err
	}
	value, err := kafka.ReadAll(r.Value)
	if err != nil {
		return Record{}, err
	}
	rec := Record{Offset: r.Offset, Time: r.Time, Key: key, Value: value}
	n := len(key) + len(value)
	if len(r.Headers) > 0 {
		rec.Headers = append([]kafka.Header(nil), r.Headers...)
		for _, h := range r.Headers {
			n += len(h.Key) + len(h.Value)
		}
	}
	rec.Bytes = int64(n)
	return rec, nil
}

// sleep waits for d or ctx; it reports whether the full wait happened.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
