package recovery

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

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
