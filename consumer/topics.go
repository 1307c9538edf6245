package consumer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"
)

// The consumer checks topics with kafka.Client.Metadata, which never asks the
// broker to create a topic, before it joins the group: kafka-go's group
// assignment reads partitions with Conn.ReadPartitions, which does ask
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
	all = append(all, o.RequiredTopics...)
	slices.Sort(all)
	return slices.Compact(all)
}

// client returns a kafka.Client for metadata and config queries. kafka-go's
// Transport answers Metadata from a cache refreshed every MetadataTTL, so a
// kafka.Transport is copied into a fresh one (same TLS, SASL and dialer) that
// the caller closes; any other RoundTripper is used as it is.
func (o *Options) client() (*kafka.Client, func()) {
	t, ok := o.Transport.(*kafka.Transport)
	if o.Transport != nil && !ok {
		return &kafka.Client{Addr: kafka.TCP(o.Brokers...), Transport: o.Transport, Timeout: 10 * time.Second}, func() {}
	}
	fresh := &kafka.Transport{}
	if t != nil {
		fresh = &kafka.Transport{
			Dial: t.Dial, DialTimeout: t.DialTimeout, IdleTimeout: t.IdleTimeout,
			ClientID: t.ClientID, TLS: t.TLS, SASL: t.SASL, Resolver: t.Resolver, Context: t.Context,
		}
	}
	return &kafka.Client{Addr: kafka.TCP(o.Brokers...), Transport: fresh, Timeout: 10 * time.Second}, fresh.CloseIdleConnections
}

// missingTopics returns the needed topics the cluster does not have.
func (o *Options) missingTopics(ctx context.Context) ([]string, error) {
	c, done := o.client()
	defer done()
	want := o.topics()
	res, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: want})
	if err != nil {
		return nil, fmt.Errorf("topic metadata: %w", err)
	}
	found := map[string]bool{}
	for _, t := range res.Topics {
		switch {
		case t.Error == nil:
			found[t.Name] = true
		case errors.Is(t.Error, kafka.UnknownTopicOrPartition):
		default:
			return nil, fmt.Errorf("topic metadata %s: %w", t.Name, t.Error)
		}
	}
	var missing []string
	for _, t := range want {
		if !found[t] {
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
