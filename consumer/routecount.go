package consumer

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

// Route partitions added while leadworker runs. A route record is placed by
// murmur2 of its routing key over the route topic's partition count, so
// every replica sends one identity to one partition. kafka-go's writer
// would use new partitions as soon as it sees them, moving identities to
// new partitions while their earlier records still wait on the old ones: one
// identity could then be handled on two replicas at once. So the route
// writer keeps the count it started with (routeCount). When the periodic
// topic check sees the route topic grow, the route stage stops writing
// route records, waits one check interval (every replica sees the change
// and stops too), then waits until the process stage's group has committed
// everything on the old partitions (the route backlog is 0), and only then
// routes over the new count. The process stage, for its part, rejoins its
// group when its input grows, so the new partitions have an owner
// (rejoin.go).

// routeCount is the route writer's balancer: murmur2 over the first n
// partitions, and the gate that holds route writes while n changes.
type routeCount struct {
	mu   sync.Mutex
	n    int
	open chan struct{} // closed while routing may go on
}

func newRouteCount() *routeCount {
	open := make(chan struct{})
	close(open)
	return &routeCount{open: open}
}

// Balance implements kafka.Balancer: the partition murmur2 gives the key
// over the first n partitions (all of them until n is set).
func (r *routeCount) Balance(msg kafka.Message, partitions ...int) int {
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

func (r *routeCount) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// set sets the count and lets route writes go on.
func (r *routeCount) set(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n = n
	select {
	case <-r.open:
	default:
		close(r.open)
	}
}

// hold stops route writes until set is called; it reports false when they
// were held already.
func (r *routeCount) hold() bool {
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

// held reports whether route writes are held.
func (r *routeCount) held() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.open:
		return false
	default:
		return true
	}
}

// wait returns once route writes may go on, or ctx's error.
func (r *routeCount) wait(ctx context.Context) error {
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

// resizeRoute moves routing from old to n partitions as described above;
// it returns when routing goes on over n, or ctx ends (routing stays held:
// the next start routes over the count it finds).
func (c *Consumer) resizeRoute(ctx context.Context, old, n int) {
	log := c.log.WithFields(logrus.Fields{"route_topic": c.opts.RouteTopic, "partitions_before": old, "partitions_now": n})
	log.Warn("route topic partitions changed: routing is held until every replica has stopped routing and the route backlog is 0")
	if !sleep(ctx, c.opts.TopicCheckInterval+c.opts.MaxWait) {
		return
	}
	bo := c.retryBackOff()
	for {
		left, err := c.routeBacklog(ctx, old)
		if err == nil && left == 0 {
			break
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			log.WithError(err).Warn("cannot read the route backlog, retrying")
		} else {
			log.WithField("backlog", left).Debug("route backlog not drained yet")
		}
		if !sleep(ctx, min(bo.NextBackOff(), time.Second)) {
			return
		}
	}
	c.route.set(n)
	log.Info("route backlog drained: routing goes on over the new partition count")
}

// routeBacklog is what the process stage's group (Options.RouteGroup) has
// not committed on the first n partitions of the route topic; 0 when that
// group is not known.
func (c *Consumer) routeBacklog(ctx context.Context, n int) (int64, error) {
	if c.opts.RouteGroup == "" {
		return 0, nil
	}
	ids := make([]int, n)
	req := make([]kafka.OffsetRequest, 0, 2*n)
	for i := range ids {
		ids[i] = i
		req = append(req, kafka.FirstOffsetOf(i), kafka.LastOffsetOf(i))
	}
	ends, err := c.fetcher.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{c.opts.RouteTopic: req}})
	if err != nil {
		return 0, fmt.Errorf("list offsets: %w", err)
	}
	committed, err := c.fetcher.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: c.opts.RouteGroup, Topics: map[string][]int{c.opts.RouteTopic: ids}})
	if err != nil {
		return 0, fmt.Errorf("offset fetch: %w", err)
	}
	if committed.Error != nil {
		return 0, fmt.Errorf("offset fetch: %w", committed.Error)
	}
	at := make(map[int]int64)
	for _, p := range committed.Topics[c.opts.RouteTopic] {
		if p.Error != nil {
			return 0, fmt.Errorf("offset fetch: %w", p.Error)
		}
		at[p.Partition] = p.CommittedOffset
	}
	var left int64
	for _, p := range ends.Topics[c.opts.RouteTopic] {
		if p.Error != nil {
			return 0, fmt.Errorf("end offset of %s/%d: %w", c.opts.RouteTopic, p.Partition, p.Error)
		}
		from, ok := at[p.Partition]
		if !ok || from < p.FirstOffset {
			from = p.FirstOffset // never committed, or retention passed the commit
		}
		left += max(p.LastOffset-from, 0)
	}
	return left, nil
}
