package console

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// Output is one record of the result or the dead-letter topic.
type Output struct {
	kafka.Message
	DeadLetter bool // from the dead-letter topic
}

// FollowOptions say which outputs Follow reads.
type FollowOptions struct {
	Kafka
	ResultTopic, DLQTopic string
	// Last is how many outputs already on the topics to read first: the
	// last Last of both topics by record time; 0 none; below 0 all.
	Last int
	// Follow keeps reading outputs as they arrive, until ctx ends.
	Follow bool
}

// Follow calls emit with the outputs already on the topics (the last
// o.Last by record time, oldest first) in one call, then, with o.Follow,
// with the outputs as they arrive until ctx ends (nil then): those that
// arrive within liveBatch of each other in one call, by record time, since
// the partitions are read side by side. Without o.Follow it returns once
// the backlog is emitted. emit runs on the calling goroutine.
func Follow(ctx context.Context, o FollowOptions, emit func([]Output)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var ranges []partitionRange
	for _, t := range []struct {
		topic string
		dead  bool
	}{{o.ResultTopic, false}, {o.DLQTopic, true}} {
		rs, err := offsetRanges(ctx, o.Kafka, t.topic, t.dead, o.Last)
		if err != nil {
			return err
		}
		ranges = append(ranges, rs...)
	}

	type item struct {
		out     Output
		backlog bool
	}
	items := make(chan item)
	caughtUp := make(chan struct{})         // every partition has read its backlog
	failed := make(chan error, len(ranges)) // a reader's error, not ctx's
	var pending sync.WaitGroup
	pending.Add(len(ranges))
	var readers sync.WaitGroup
	for _, r := range ranges {
		readers.Go(func() {
			err := r.read(ctx, o.Kafka, o.Follow, pending.Done, func(m kafka.Message, backlog bool) bool {
				select {
				case items <- item{Output{Message: m, DeadLetter: r.dead}, backlog}:
					return true
				case <-ctx.Done():
					return false
				}
			})
			if err != nil && ctx.Err() == nil {
				failed <- err
			}
		})
	}
	defer func() { cancel(); readers.Wait() }() // before the deferred cancel above: readers may be sending
	go func() { pending.Wait(); close(caughtUp) }()

	var backlog, live []Output
	var flush <-chan time.Time // while live outputs wait to be emitted
	done := false
	for {
		select {
		case it := <-items:
			switch {
			case it.backlog:
				backlog = append(backlog, it.out)
			default:
				live = append(live, it.out) // after the backlog, or while others catch up
				if done && flush == nil {
					flush = time.After(liveBatch)
				}
			}
		case <-flush:
			flush = nil
			sortByTime(live)
			emit(live)
			live = nil
		case <-caughtUp:
			caughtUp = nil
			done = true
			emit(lastByTime(backlog, o.Last))
			if !o.Follow {
				return nil
			}
			if len(live) > 0 {
				flush = time.After(liveBatch)
			}
		case err := <-failed:
			return err
		case <-ctx.Done():
			if done {
				return nil
			}
			return ctx.Err()
		}
	}
}

// liveBatch is how long Follow gathers outputs that arrive together before
// it emits them in time order.
const liveBatch = 200 * time.Millisecond

// lastByTime returns the last n of outs by record time (all when n < 0),
// oldest first.
func lastByTime(outs []Output, n int) []Output {
	sortByTime(outs)
	if n >= 0 && len(outs) > n {
		outs = outs[len(outs)-n:]
	}
	return outs
}

func sortByTime(outs []Output) {
	sort.SliceStable(outs, func(i, j int) bool {
		if !outs[i].Time.Equal(outs[j].Time) {
			return outs[i].Time.Before(outs[j].Time)
		}
		if outs[i].Topic != outs[j].Topic {
			return outs[i].Topic < outs[j].Topic
		}
		if outs[i].Partition != outs[j].Partition {
			return outs[i].Partition < outs[j].Partition
		}
		return outs[i].Offset < outs[j].Offset
	})
}

// partitionRange is one partition to read: its backlog is [from, end).
type partitionRange struct {
	topic     string
	dead      bool
	partition int
	from, end int64
}

// offsetRanges returns, per partition of topic, the range of its last
// `last` records (all when last < 0) up to its end offset now.
func offsetRanges(ctx context.Context, k Kafka, topic string, dead bool, last int) ([]partitionRange, error) {
	client := k.client()
	n, err := partitionCount(ctx, client, topic)
	if err != nil {
		return nil, err
	}
	var reqs []kafka.OffsetRequest
	for p := range n {
		reqs = append(reqs, kafka.FirstOffsetOf(p), kafka.LastOffsetOf(p))
	}
	offs, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	var out []partitionRange
	for _, po := range offs.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("list offsets of %s partition %d: %w", topic, po.Partition, po.Error)
		}
		from := po.FirstOffset
		if last >= 0 {
			from = max(po.FirstOffset, po.LastOffset-int64(last))
		}
		out = append(out, partitionRange{topic: topic, dead: dead, partition: po.Partition, from: from, end: po.LastOffset})
	}
	if len(out) != n {
		return nil, fmt.Errorf("list offsets of %s: %d of %d partitions answered", topic, len(out), n)
	}
	return out, nil
}

// read reads the partition from r.from: records before r.end are the
// backlog; caughtUp is called once when it is read (at once when empty).
// With follow it goes on until ctx ends; send returns false to stop.
func (r partitionRange) read(ctx context.Context, k Kafka, follow bool, caughtUp func(), send func(kafka.Message, bool) bool) error {
	once := sync.OnceFunc(caughtUp)
	defer once()
	if r.from >= r.end {
		once()
		if !follow {
			return nil
		}
	}
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers: k.Brokers, Topic: r.topic, Partition: r.partition, Dialer: k.Dialer,
		MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 250 * time.Millisecond,
	})
	defer reader.Close()
	if err := reader.SetOffset(r.from); err != nil {
		return fmt.Errorf("read %s partition %d: %w", r.topic, r.partition, err)
	}
	for {
		m, err := reader.FetchMessage(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil
			}
			return fmt.Errorf("read %s partition %d: %w", r.topic, r.partition, err)
		}
		backlog := m.Offset < r.end
		if backlog || follow {
			if !send(m, backlog) {
				return nil
			}
		}
		if m.Offset >= r.end-1 {
			once()
			if !follow {
				return nil
			}
		}
	}
}
