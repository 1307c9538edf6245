package consumer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
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

// topicLimits reads max.message.bytes of every input, the result and the
// dead-letter topic. It returns an error only when the dead-letter topic's
// limit is below an input topic's: a record the worker can be handed could
// then never be dead-lettered whole. A limit that cannot be read is logged
// and left unknown (0).
func (c *Consumer) topicLimits(ctx context.Context) (limits, error) {
	var l limits
	got, err := c.opts.maxMessageBytes(ctx)
	if err != nil {
		c.log.WithError(err).Warn("cannot read the topics' max.message.bytes; sizing writers from MaxRecordBytes")
		return l, nil
	}
	l.byTopic = got
	var input string
	for _, t := range c.opts.Topics {
		if got[t] > l.input {
			l.input, input = got[t], t
		}
	}
	l.result, l.dlq = got[c.opts.ResultTopic], got[c.opts.DLQTopic]
	if c.opts.RouteTopic != "" {
		l.route = got[c.opts.RouteTopic]
	}
	if l.input == 0 || l.dlq == 0 {
		c.log.WithField("limits", got).Warn("max.message.bytes not reported for every topic; sizing writers from MaxRecordBytes")
		return l, nil
	}
	if l.dlq < l.input {
		return l, fmt.Errorf("dead-letter topic %s has max.message.bytes %d, below input topic %s's %d: a large input could never be dead-lettered; raise the dead-letter topic's limit",
			c.opts.DLQTopic, l.dlq, input, l.input)
	}
	if l.route > 0 && l.route < l.input {
		return l, fmt.Errorf("route topic %s has max.message.bytes %d, below input topic %s's %d: a large input could never be routed; raise the route topic's limit",
			c.opts.RouteTopic, l.route, input, l.input)
	}
	// A route record already carries the input record's headers and is sized
	// for them; its dead letter needs no more room than the route record.
	if l.dlq-l.input < headerRoom && !c.opts.Routed { // writer.go
		c.log.WithFields(logrus.Fields{"dlq": c.opts.DLQTopic, "dlq_max_message_bytes": l.dlq, "input": input, "input_max_message_bytes": l.input}).
			Warn("dead-letter topic leaves less than 64 KiB above the input topic's limit for headers: an input near the limit is dead-lettered as a reference letter (DLQ_WRITE_GIVE_UP)")
	}
	return l, nil
}

// maxMessageBytes returns each topic's max.message.bytes as the broker
// reports it (the topic's setting or the broker default it inherits).
func (o *Options) maxMessageBytes(ctx context.Context) (map[string]int, error) {
	c, done := o.client()
	defer done()
	req := &kafka.DescribeConfigsRequest{}
	for _, t := range o.topics() {
		req.Resources = append(req.Resources, kafka.DescribeConfigRequestResource{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: t, ConfigNames: []string{"max.message.bytes"},
		})
	}
	res, err := c.DescribeConfigs(ctx, req)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, r := range res.Resources {
		if r.Error != nil {
			return nil, fmt.Errorf("describe configs %s: %w", r.ResourceName, r.Error)
		}
		for _, e := range r.ConfigEntries {
			if e.ConfigName != "max.message.bytes" {
				continue
			}
			n, err := strconv.Atoi(e.ConfigValue)
			if err != nil {
				return nil, fmt.Errorf("%s max.message.bytes %q: %w", r.ResourceName, e.ConfigValue, err)
			}
			out[r.ResourceName] = n
		}
	}
	return out, nil
}
