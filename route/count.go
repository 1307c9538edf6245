package route

import (
	"context"
	"fmt"
	"sync"

	"github.com/segmentio/kafka-go"
)

// Count is the route writer's balancer: murmur2 over the first n
// partitions, and the gate that holds route writes while n changes.
type Count struct {
	mu   sync.Mutex
	n    int
	open chan struct{} // closed while routing may go on
}

// NewCount returns a Count over all partitions, routing open.
func NewCount() *Count {
	open := make(chan struct{})
	close(open)
	return &Count{open: open}
}

// Balance implements kafka.Balancer: the partition murmur2 gives the key
// over the first n partitions (all of them until n is set).
func (r *Count) Balance(msg kafka.Message, partitions ...int) int {
	r.mu.Lock()
	n := r.n
	r.mu.Unlock()
	if n > 0 && n < len(partitions) {
		within := make([]int, 0, n)
		for _, p := range partitions {
			if p < n {
				within = append(within, p)
			}
		}
		partitions = within
	}
	return (&kafka.Murmur2Balancer{}).Balance(msg, partitions...)
}

func (r *Count) N() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// Set sets the count and lets route writes go on.
func (r *Count) Set(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n = n
	select {
	case <-r.open:
	default:
		close(r.open)
	}
}

// Hold stops route writes until set is called; it reports false when they
// were held already.
func (r *Count) Hold() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.open:
		r.open = make(chan struct{})
		return true
	default:
		return false
	}
}

// Held reports whether route writes are held.
func (r *Count) Held() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.open:
		return false
	default:
		return true
	}
}

// Wait returns once route writes may go on, or ctx's error.
func (r *Count) Wait(ctx context.Context) error {
	r.mu.Lock()
	open := r.open
	r.mu.Unlock()
	select {
	case <-open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Backlog is what group has not committed on the first n partitions of
// topic.
func Backlog(ctx context.Context, c *kafka.Client, group, topic string, n int) (int64, error) {
	ids := make([]int, n)
	req := make([]kafka.OffsetRequest, 0, 2*n)
	for i := range ids {
		ids[i] = i
		req = append(req, kafka.FirstOffsetOf(i), kafka.LastOffsetOf(i))
	}
	ends, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: req}})
	if err != nil {
		return 0, fmt.Errorf("list offsets: %w", err)
	}
	committed, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ids}})
	if err != nil {
		return 0, fmt.Errorf("offset fetch: %w", err)
	}
	if committed.Error != nil {
		return 0, fmt.Errorf("offset fetch: %w", committed.Error)
	}
	at := make(map[int]int64)
	for _, p := range committed.Topics[topic] {
		if p.Error != nil {
			return 0, fmt.Errorf("offset fetch: %w", p.Error)
		}
		at[p.Partition] = p.CommittedOffset
	}
	var left int64
	for _, p := range ends.Topics[topic] {
		if p.Error != nil {
			return 0, fmt.Errorf("end offset of %s/%d: %w", topic, p.Partition, p.Error)
		}
		from, ok := at[p.Partition]
		if !ok || from < p.FirstOffset {
			from = p.FirstOffset // never committed, or retention passed the commit
		}
		left += max(p.LastOffset-from, 0)
	}
	return left, nil
}
