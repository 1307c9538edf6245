package consumer

import (
	"context"
	"fmt"
	"sync"

	"github.com/segmentio/kafka-go"
)

// recentAnswers remembers the origins of the records this consumer answered
// lately, for a consumer of route records (Options.Routed). A route stage
// that crashed or lost its partitions forwards again the records it had not
// committed, so one input record can arrive twice on the route topic; when
// the second copy comes after the first was answered, in the same
// generation, the scan at assignment cannot know, and this set does. It
// holds at most limit origins, forgetting the oldest first.
type recentAnswers struct {
	mu    sync.Mutex
	limit int
	set   map[origin]struct{}
	order []origin // oldest first
}

// origin is an input record's position (see Message.origin).
type origin struct {
	topic     string
	partition int
	offset    int64
}

func newRecentAnswers(limit int) *recentAnswers {
	return &recentAnswers{limit: max(limit, 0), set: make(map[origin]struct{})}
}

// add remembers an answered origin. A nil set remembers nothing.
func (r *recentAnswers) add(topic string, partition int, offset int64) {
	if r == nil || r.limit == 0 {
		return
	}
	o := origin{topic, partition, offset}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.set[o]; ok {
		return
	}
	r.set[o] = struct{}{}
	r.order = append(r.order, o)
	if len(r.order) > r.limit {
		delete(r.set, r.order[0])
		r.order = r.order[1:]
	}
}

// has reports whether the origin was answered lately.
func (r *recentAnswers) has(topic string, partition int, offset int64) bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.set[origin{topic, partition, offset}]
	return ok
}

// endOffsets returns the end offsets of the given partitions.
func (c *Consumer) endOffsets(ctx context.Context, ids map[string][]int) (map[topicPartition]int64, error) {
	req := make(map[string][]kafka.OffsetRequest)
	for topic, ps := range ids {
		for _, p := range ps {
			req[topic] = append(req[topic], kafka.LastOffsetOf(p))
		}
	}
	res, err := c.fetcher.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: req})
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
