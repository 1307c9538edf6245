package consumer

import (
	"context"
	"time"

	"github.com/leadworker/leadworker/route"
	"github.com/sirupsen/logrus"
)

// Route partitions added while leadworker runs. A route record is placed by
// murmur2 of its routing key over the route topic's partition count, so
// every replica sends one identity to one partition. kafka-go's writer
// would use new partitions as soon as it sees them, moving identities to
// new partitions while their earlier records still wait on the old ones: one
// identity could then be handled on two replicas at once. So the route
// writer keeps the count it started with (route.Count). When the periodic
// topic check sees the route topic grow, the route stage stops writing
// route records, waits one check interval (every replica sees the change
// and stops too), then waits until the process stage's group has committed
// everything on the old partitions (the route backlog is 0), and only then
// routes over the new count. The process stage, for its part, rejoins its
// group when its input grows, so the new partitions have an owner
// (topiccheck.go, grown).

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
	c.route.Set(n)
	log.Info("route backlog drained: routing goes on over the new partition count")
}

// routeBacklog is what the process stage's group (Options.RouteGroup) has
// not committed on the first n partitions of the route topic; 0 when that
// group is not known.
func (c *Consumer) routeBacklog(ctx context.Context, n int) (int64, error) {
	if c.opts.RouteGroup == "" {
		return 0, nil
	}
	return route.Backlog(ctx, c.fetcher, c.opts.RouteGroup, c.opts.RouteTopic, n)
}
