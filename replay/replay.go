package replay

import (
	"context"
	"errors"
	"fmt"
	"github.com/leadworker/leadworker/deadletter"
	"io"
	"text/tabwriter"
	"time"

	"github.com/segmentio/kafka-go"
)

// HeaderReplayCount counts how often a dead letter was replayed.
const HeaderReplayCount = deadletter.HeaderReplayCount

// Options configure Replay.
type Options struct {
	Brokers  []string // required
	DLQTopic string   // the dead-letter topic to read; required
	// To is the topic to publish to; "" is each record's source.topic header,
	// else DefaultTo.
	To        string
	DefaultTo string
	// Filters: only records of this error.class, dead-lettered since this
	// time, or with this event.id. Zero values match everything.
	Class   string
	Since   time.Time
	EventID string
	// DryRun lists every matching record with what a real run would do with
	// it (replay, or skip and why); it publishes and commits nothing.
	DryRun bool
	// Check, when set, says whether the worker would accept a record's value
	// now (the caller decodes and validates it as the route stage does). A
	// value it refuses would only be dead-lettered again as invalid, so the
	// record is skipped ("skip: invalid") and its position committed like any
	// other; after a fix to the schemas or MAX_RECORD_BYTES, another --group
	// reads it again.
	Check func(value []byte) error
	// MaxReplays skips records already replayed this many times.
	MaxReplays int
	// Group is the consumer group that remembers how far replay has read.
	Group string
	// Dialer reads the dead-letter topic and Transport publishes and commits
	// (TLS, SASL; see Connections); nil is plain TCP.
	Dialer    *kafka.Dialer
	Transport kafka.RoundTripper
}

// Summary counts what Replay did.
type Summary struct{ Replayed, Skipped, Matched int }

// Replay reads every partition of the dead-letter topic from the group's
// committed offset to the end offset seen at start, one record at a time,
// publishes each matching record's original key, value and headers (plus
// replay.count) to the partition it came from while its topic still has that
// partition, and commits the end offsets (unless DryRun). It lists what it
// skips, and every matching record with its action when DryRun, to out.
func Replay(ctx context.Context, o Options, out io.Writer) (Summary, error) {
	if len(o.Brokers) == 0 || o.DLQTopic == "" || o.Group == "" {
		return Summary{}, errors.New("replay needs brokers, a dead-letter topic and a group")
	}
	r := &replayer{
		o:          o,
		client:     &kafka.Client{Addr: kafka.TCP(o.Brokers...), Transport: o.Transport, Timeout: 10 * time.Second},
		out:        tabwriter.NewWriter(out, 0, 0, 2, ' ', 0),
		partitions: map[string]int{},
	}
	defer r.out.Flush()
	ranges, err := r.ranges(ctx)
	if err != nil {
		return r.sum, err
	}
	for _, pr := range ranges {
		if err := r.replayRange(ctx, pr); err != nil {
			return r.sum, err
		}
	}
	if o.DryRun {
		return r.sum, nil
	}
	return r.sum, r.commit(ctx, ranges)
}

// replayer is one Replay run.
type replayer struct {
	o          Options
	client     *kafka.Client
	out        *tabwriter.Writer
	partitions map[string]int // partition count of each target topic, looked up once
	sum        Summary
	listed     bool // the listing's header line is written
}

// partitionRange is the part of one dead-letter partition a run reads:
// offsets [from, to).
type partitionRange struct {
	partition int
	from, to  int64
}

// ranges returns, per dead-letter partition, the range from the group's
// committed offset (or the first offset) to the end offset now.
func (r *replayer) ranges(ctx context.Context) ([]partitionRange, error) {
	topic := r.o.DLQTopic
	meta, err := r.client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	if len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		return nil, fmt.Errorf("dead-letter topic %s not found (KAFKA_DLQ_TOPIC)", topic)
	}
	var parts []int
	var ends []kafka.OffsetRequest
	for _, p := range meta.Topics[0].Partitions {
		parts = append(parts, p.ID)
		ends = append(ends, kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
	}
	offs, err := r.client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: ends}})
	if err != nil {
		return nil, fmt.Errorf("list offsets: %w", err)
	}
	committed, err := r.client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: r.o.Group, Topics: map[string][]int{topic: parts}})
	if err != nil {
		return nil, fmt.Errorf("offset fetch: %w", err)
	}
	from := map[int]int64{}
	for _, c := range committed.Topics[topic] {
		if c.Error == nil && c.CommittedOffset >= 0 {
			from[c.Partition] = c.CommittedOffset
		}
	}
	var out []partitionRange
	for _, po := range offs.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("list offsets of partition %d: %w", po.Partition, po.Error)
		}
		start, ok := from[po.Partition]
		if !ok || start < po.FirstOffset {
			start = po.FirstOffset
		}
		out = append(out, partitionRange{partition: po.Partition, from: start, to: po.LastOffset})
	}
	return out, nil
}

// replayRange streams one partition's range and handles each record as it
// arrives.
func (r *replayer) replayRange(ctx context.Context, pr partitionRange) error {
	if pr.from >= pr.to {
		return nil
	}
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers: r.o.Brokers, Topic: r.o.DLQTopic, Partition: pr.partition,
		Dialer: r.o.Dialer, MaxWait: 200 * time.Millisecond,
	})
	defer reader.Close()
	if err := reader.SetOffset(pr.from); err != nil {
		return err
	}
	for {
		m, err := reader.FetchMessage(ctx)
		if err != nil {
			return fmt.Errorf("read partition %d: %w", pr.partition, err)
		}
		if m.Offset >= pr.to {
			return nil
		}
		if err := r.handle(ctx, m); err != nil {
			return err
		}
		if m.Offset == pr.to-1 {
			return nil
		}
	}
}

// commit stores the end offsets of the ranges in the group.
func (r *replayer) commit(ctx context.Context, ranges []partitionRange) error {
	var cps []kafka.OffsetCommit
	for _, pr := range ranges {
		if pr.from < pr.to {
			cps = append(cps, kafka.OffsetCommit{Partition: pr.partition, Offset: pr.to})
		}
	}
	if len(cps) == 0 {
		return nil
	}
	resp, err := r.client.OffsetCommit(ctx, &kafka.OffsetCommitRequest{
		GroupID: r.o.Group, GenerationID: -1, Topics: map[string][]kafka.OffsetCommit{r.o.DLQTopic: cps},
	})
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, ps := range resp.Topics {
		for _, p := range ps {
			if p.Error != nil {
				return fmt.Errorf("commit partition %d: %w", p.Partition, p.Error)
			}
		}
	}
	return nil
}
