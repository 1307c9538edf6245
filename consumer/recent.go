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
	set   map[origin][]stamp
	order []origin // oldest first, one entry per stamp
}

// origin is an input record's position (see Message.origin).
type origin struct {
	topic     string
	partition int
	offset    int64
}

func newRecentAnswers(limit int) *recentAnswers {
	return &recentAnswers{limit: max(limit, 0), set: make(map[origin][]stamp)}
}

// add remembers an answered origin and its stamp. A nil set remembers
// nothing.
func (r *recentAnswers) add(o origin, st stamp) {
	if r == nil || r.limit == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, have := range r.set[o] {
		if have == st {
			return
		}
	}
	r.set[o] = append(r.set[o], st)
	r.order = append(r.order, o)
	if len(r.order) > r.limit {
		old := r.order[0]
		r.order = r.order[1:]
		if sts := r.set[old][1:]; len(sts) > 0 {
			r.set[old] = sts
		} else {
			delete(r.set, old)
		}
	}
}

// has reports whether the origin was answered lately under a stamp that
// matches st.
func (r *recentAnswers) has(o origin, st stamp) bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, have := range r.set[o] {
		if have.matches(st) {
			return true
		}
	}
	return false
}

// holds reports whether anything is remembered of the origin, so that a
// record's value need not be hashed when nothing is.
func (r *recentAnswers) holds(o origin) bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.set[o]) > 0
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
