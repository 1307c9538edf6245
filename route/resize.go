package route

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

// Route partitions added while leadworker runs. A route record is placed by
// murmur2 of its routing key over the route topic's partition count, so
// every replica sends one identity to one partition. kafka-go's writer
// would use new partitions as soon as it sees them, moving identities to
// new partitions while their earlier records still wait on the old ones: one
// identity could then be handled on two replicas at once. So the route
// writer keeps the count it started with (Count). When the periodic topic
// check sees the route topic grow, the route stage stops writing route
// records (Count.Hold), waits until every replica has seen the change and
// stopped too, then until the process stage's group has committed
// everything on the old partitions of the route topic and of the bulk
// route topic (the route backlog is 0), and only then
// routes over the new count (Resize). The process stage, for its part,
// rejoins its group when its input grows, so the new partitions have an
// owner.

// ResizeOptions says what Resize waits for.
type ResizeOptions struct {
	Client  *kafka.Client
	Topic   string        // the route topic
	Bulk    string        // the bulk route topic, whose backlog is waited for too; "": none
	Group   string        // the process stage's group; "": no backlog to wait for
	Settle  time.Duration // how long every replica takes to see the new count
	BackOff backoff.BackOff
	Log     logrus.FieldLogger
}

// Resize moves routing from old to n partitions as described above; it
// returns when routing goes on over n, or ctx ends (routing stays held: the
// next start routes over the count it finds).
func (r *Count) Resize(ctx context.Context, o ResizeOptions, old, n int) {
	log := o.Log.WithFields(logrus.Fields{"route_topic": o.Topic, "partitions_before": old, "partitions_now": n})
	log.Warn("route topic partitions changed: routing is held until every replica has stopped routing and the route backlog is 0")
	if !sleep(ctx, o.Settle) {
		return
	}
	for o.Group != "" {
		left, err := Backlog(ctx, o.Client, o.Group, o.Topic, old)
		if o.Bulk != "" && err == nil && left == 0 {
			left, err = Backlog(ctx, o.Client, o.Group, o.Bulk, old)
		}
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
		if !sleep(ctx, min(o.BackOff.NextBackOff(), time.Second)) {
			return
		}
	}
	r.Set(n)
	log.Info("route backlog drained: routing goes on over the new partition count")
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
