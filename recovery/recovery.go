package recovery

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

// Options configures a Recovery. Zero values take the defaults in brackets.
type Options struct {
	Client  *kafka.Client // offsets, metadata and fetches; required
	GroupID string        // the consumer's group; required
	// Outputs are the topics outputs are written to (result, dead letter),
	// in the order their positions are recorded; required.
	Outputs []string
	// Routed: the consumer reads route records, whose outputs name the input
	// positions they carry rather than route offsets.
	Routed bool
	// MaxRecords caps the outputs read at assignment [100000]; negative:
	// never read them. A larger window is not read at all.
	MaxRecords int
	// Timeout caps the time that read may take [10s].
	Timeout time.Duration
	// MaxMetadataBytes is the broker's offset.metadata.max.bytes [4096]: a
	// commit whose positions would be longer is made without them.
	MaxMetadataBytes int
	// SampleEvery is how often the output topics' ends are sampled for the
	// positions commits record [500ms].
	SampleEvery time.Duration
	// OnWentBack is told when an output partition's end offset went back
	// between two samples: the topic was deleted and created again.
	OnWentBack func(topic, problem string)
	Logger     logrus.FieldLogger // nil is silent
	Now        func() time.Time   // nil is time.Now
}

// Recovery is one consumer's crash recovery: the latest sample of the
// output topics' ends, the records answered lately, and the counters.
type Recovery struct {
	opts   Options
	log    logrus.FieldLogger
	recent *recentAnswers // nil unless Options.Routed

	// sampling lets one reading of the outputs' ends run at a time, so each
	// is asked after the one before was answered: readings in flight
	// together may be answered out of order, and the later one would seem to
	// have gone back.
	sampling  chan struct{} // holds one token: the right to read
	latest    atomic.Pointer[sample]
	seq       atomic.Uint64
	skipped   atomic.Int64
	noRoom    atomic.Int64
	fallbacks atomic.Int64
}

// New returns a Recovery; nothing is read until Start.
func New(o Options) *Recovery {
	if o.MaxRecords == 0 {
		o.MaxRecords = 100000
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxMetadataBytes <= 0 {
		o.MaxMetadataBytes = 4096
	}
	if o.SampleEvery <= 0 {
		o.SampleEvery = 500 * time.Millisecond
	}
	if o.Logger == nil {
		l := logrus.New()
		l.Out = io.Discard
		o.Logger = l
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.OnWentBack == nil {
		o.OnWentBack = func(string, string) {}
	}
	r := &Recovery{opts: o, log: o.Logger, sampling: make(chan struct{}, 1)}
	if o.Routed {
		r.recent = newRecentAnswers(max(o.MaxRecords, 0))
	}
	return r
}

// Stats are the counters since the Recovery was made.
type Stats struct {
	// Skipped: records committed without being handled because their output
	// was already on Kafka.
	Skipped int64
	// CommitsWithoutPositions: commits whose positions did not fit
	// MaxMetadataBytes.
	CommitsWithoutPositions int64
	// Fallbacks: assignments whose answered work could not be looked up (a
	// bound hit, unreadable metadata or topics), so nothing was skipped.
	Fallbacks int64
}

// Stats returns the counters.
func (r *Recovery) Stats() Stats {
	return Stats{Skipped: r.skipped.Load(), CommitsWithoutPositions: r.noRoom.Load(), Fallbacks: r.fallbacks.Load()}
}

// Answered remembers that the record of o, stamped st, has its output now,
// for a consumer of route records: a copy of it forwarded again is skipped.
func (r *Recovery) Answered(o Origin, st Stamp) { r.recent.add(o, st) }

// endOffsets returns the end offsets of the given partitions.
func (r *Recovery) endOffsets(ctx context.Context, ids map[string][]int) (map[topicPartition]int64, error) {
	req := make(map[string][]kafka.OffsetRequest)
	for topic, ps := range ids {
		for _, p := range ps {
			req[topic] = append(req[topic], kafka.LastOffsetOf(p))
		}
	}
	res, err := r.opts.Client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: req})
	if err != nil {
		return nil, fmt.Errorf("list offsets: %w", err)
	}
	out := make(map[topicPartition]int64)
	for topic, ps := range res.Topics {
		for _, p := range ps {
			if p.Error != nil {
				return nil, fmt.Errorf("end offset of %s/%d: %w", topic, p.Partition, p.Error)
			}
			out[topicPartition{topic, p.Partition}] = p.LastOffset
		}
	}
	return out, nil
}

// logStart returns the first offset of a partition.
func (r *Recovery) logStart(ctx context.Context, topic string, partition int) (int64, error) {
	res, err := r.opts.Client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
		topic: {kafka.FirstOffsetOf(partition)},
	}})
	if err != nil {
		return 0, fmt.Errorf("first offset of %s/%d: %w", topic, partition, err)
	}
	for _, po := range res.Topics[topic] {
		if po.Partition == partition {
			if po.Error != nil {
				return 0, fmt.Errorf("first offset of %s/%d: %w", topic, partition, po.Error)
			}
			return po.FirstOffset, nil
		}
	}
	return 0, fmt.Errorf("first offset of %s/%d: not in the answer", topic, partition)
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

// sample is one reading of the end offsets of every partition of the result
// and dead-letter topics. A reading is a valid lower bound for every output
// whose write starts after the reading's response arrived; commitMetadata
// relies on nothing else.
type sample struct {
	pos   positions
	first positions // the log start offsets at the same reading
	seq   uint64    // increases with every reading this process takes
}

// sampleOutputs reads the start and end offsets of every partition of the
// output topics; it fails unless it has every one.
func (r *Recovery) sampleOutputs(ctx context.Context) (*sample, error) {
	select {
	case r.sampling <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-r.sampling }()
	topics := r.opts.Outputs
	meta, err := r.opts.Client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	req := make(map[string][]kafka.OffsetRequest)
	count := make(map[string]int)
	for _, t := range meta.Topics {
		if t.Error != nil {
			return nil, fmt.Errorf("metadata of %s: %w", t.Name, t.Error)
		}
		for _, p := range t.Partitions {
			req[t.Name] = append(req[t.Name], kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
		}
		count[t.Name] = len(t.Partitions)
	}
	for _, t := range topics {
		if count[t] == 0 {
			return nil, fmt.Errorf("metadata: no partitions of %s", t)
		}
	}
	res, err := r.opts.Client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: req})
	if err != nil {
		return nil, fmt.Errorf("list offsets: %w", err)
	}
	pos, first := positions{}, positions{}
	for _, t := range topics {
		offs := make([]int64, count[t])
		starts := make([]int64, count[t])
		seen := 0
		for _, p := range res.Topics[t] {
			if p.Error != nil {
				return nil, fmt.Errorf("end offset of %s/%d: %w", t, p.Partition, p.Error)
			}
			if p.Partition < 0 || p.Partition >= len(offs) || p.LastOffset < 0 {
				return nil, fmt.Errorf("end offset of %s/%d: unexpected %d", t, p.Partition, p.LastOffset)
			}
			offs[p.Partition], starts[p.Partition] = p.LastOffset, max(p.FirstOffset, 0)
			seen++
		}
		if seen != len(offs) {
			return nil, fmt.Errorf("end offsets of %s: %d of %d partitions", t, seen, len(offs))
		}
		pos[t], first[t] = offs, starts
	}
	s := &sample{pos: pos, first: first, seq: r.seq.Add(1)}
	if prev := r.latest.Swap(s); prev != nil {
		r.wentBack(prev.pos, pos)
	}
	return s, nil
}

// samplePositions keeps the latest sample fresh, every SampleEvery, until
// the generation ends (also through the drain at shutdown); partitions take
// it at their commits.
func (r *Recovery) samplePositions(genCtx context.Context) {
	t := time.NewTicker(r.opts.SampleEvery)
	defer t.Stop()
	for {
		select {
		case <-genCtx.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(genCtx, 5*time.Second)
		if _, err := r.sampleOutputs(ctx); err != nil && genCtx.Err() == nil {
			r.log.WithError(err).Debug("sampling output positions failed; commits keep the previous ones")
		}
		cancel()
	}
}

// wentBack tells Options.OnWentBack of an output partition whose end offset
// went back between two samples: the topic was deleted and created again
// under the consumer.
func (r *Recovery) wentBack(before, now positions) {
	for t, offs := range now {
		for i, end := range offs {
			if i >= len(before[t]) || end >= before[t][i] {
				continue
			}
			r.opts.OnWentBack(t, fmt.Sprintf("topic %s partition %d ended at offset %d and now ends at %d: it was deleted and created again; restart leadworker once it is as it should be", t, i, before[t][i], end))
		}
	}
}

// Start starts gen's scan in a goroutine of gen, which then keeps the output
// positions sampled until gen ends (a goroutine of gen must not return
// before: that would end gen). The partitions wait for the scan
// (Scan.Partition) before fetching, so that the sample it takes comes
// before any output of theirs.
func (r *Recovery) Start(shutdown context.Context, gen *kafka.Generation) *Scan {
	s := &Scan{
		r:      r,
		done:   make(chan struct{}),
		epochs: make(map[topicPartition]int64),
		reset:  make(map[topicPartition]bool),
		read:   make(map[topicPartition]positions),
		found:  make(map[topicPartition]map[int64][]Stamp),
	}
	gen.Start(func(genCtx context.Context) {
		func() {
			defer close(s.done)
			ctx, cancel := context.WithCancel(genCtx)
			defer cancel()
			defer context.AfterFunc(shutdown, cancel)()
			s.run(ctx, gen)
		}()
		r.samplePositions(genCtx)
	})
	return s
}
