package consumer

import (
	"context"
	"slices"
)

// The consumer checks that its topics exist (Options.Describer, which must
// never ask the broker to create a topic) before it joins the group: kafka-go's
// group assignment reads partitions with Conn.ReadPartitions, which does ask
// (AllowAutoTopicCreation=true), so joining with a missing input topic on a
// broker with auto.create.topics.enable would create it with the broker's
// default partition count.

// topics returns every topic the consumer needs: inputs, result, dead letter
// and Options.RequiredTopics, without repeats.
func (o *Options) topics() []string {
	all := append(append([]string{}, o.Topics...), o.ResultTopic, o.DLQTopic)
	if o.RouteTopic != "" {
		all = append(all, o.RouteTopic)
	}
	for _, t := range []string{o.ParkTopic, o.BulkTopic} {
		if t != "" {
			all = append(all, t)
		}
	}
	all = append(all, o.RequiredTopics...)
	slices.Sort(all)
	return slices.Compact(all)
}

// missingTopics returns the needed topics the cluster does not have.
func (o *Options) missingTopics(ctx context.Context) ([]string, error) {
	got, err := o.Describer.Describe(ctx, o.topics())
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, t := range o.topics() {
		if _, ok := got[t]; !ok {
			missing = append(missing, t)
		}
	}
	return missing, nil
}

// awaitTopics returns once every needed topic exists, checking with backoff
// and listing the missing ones in Stats.MissingTopics meanwhile; it returns
// ctx's error if ctx ends first.
func (c *Consumer) awaitTopics(ctx context.Context) error {
	bo := c.retryBackOff()
	for {
		missing, err := c.opts.missingTopics(ctx)
		switch {
		case err != nil:
			c.log.WithError(err).Warn("checking topics failed, retrying before joining the group")
		case len(missing) == 0:
			c.setMissing(nil)
			return nil
		default:
			c.setMissing(missing)
			c.log.WithField("missing", missing).Error("topics do not exist; staying out of the consumer group until they do")
		}
		if !sleep(ctx, bo.NextBackOff()) {
			return ctx.Err()
		}
	}
}

func (c *Consumer) setMissing(topics []string) {
	c.mu.Lock()
	c.missing = topics
	c.mu.Unlock()
}
