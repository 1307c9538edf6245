package kafkaadmin

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/segmentio/kafka-go"
)

// Describer reads the state of topics: partition count, cleanup.policy and
// max.message.bytes (the topic's own setting or the broker default it
// inherits). It asks with a Metadata request that never creates a topic.
// It implements consumer.TopicDescriber.
type Describer struct {
	brokers   []string
	transport kafka.RoundTripper
}

// NewDescriber returns a Describer of the cluster at brokers; transport
// carries TLS and SASL (nil is plain TCP).
func NewDescriber(brokers []string, transport kafka.RoundTripper) *Describer {
	return &Describer{brokers: brokers, transport: transport}
}

// Describe returns the state of every topic of topics that exists.
func (d *Describer) Describe(ctx context.Context, topics []string) (map[string]consumer.TopicState, error) {
	c, done := newClient(d.brokers, d.transport)
	defer done()
	meta, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return nil, fmt.Errorf("topic metadata: %w", err)
	}
	out := make(map[string]consumer.TopicState)
	req := &kafka.DescribeConfigsRequest{}
	for _, t := range meta.Topics {
		switch {
		case errors.Is(t.Error, kafka.UnknownTopicOrPartition):
			continue
		case t.Error != nil:
			return nil, fmt.Errorf("topic metadata %s: %w", t.Name, t.Error)
		}
		out[t.Name] = consumer.TopicState{Partitions: len(t.Partitions)}
		req.Resources = append(req.Resources, kafka.DescribeConfigRequestResource{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: t.Name,
			ConfigNames: []string{"cleanup.policy", "max.message.bytes", "retention.ms"},
		})
	}
	if len(req.Resources) == 0 {
		return out, nil
	}
	res, err := c.DescribeConfigs(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("describe topic configs: %w", err)
	}
	for _, r := range res.Resources {
		if r.Error != nil {
			return nil, fmt.Errorf("describe configs of %s: %w", r.ResourceName, r.Error)
		}
		st := out[r.ResourceName]
		for _, e := range r.ConfigEntries {
			switch e.ConfigName {
			case "cleanup.policy":
				st.CleanupPolicy = e.ConfigValue
			case "max.message.bytes":
				n, err := strconv.Atoi(e.ConfigValue)
				if err != nil {
					return nil, fmt.Errorf("%s max.message.bytes %q: %w", r.ResourceName, e.ConfigValue, err)
				}
				st.MaxMessageBytes = n
			case "retention.ms":
				ms, err := strconv.ParseInt(e.ConfigValue, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("%s retention.ms %q: %w", r.ResourceName, e.ConfigValue, err)
				}
				st.Retention = time.Duration(ms) * time.Millisecond // -1: for ever
			}
		}
		out[r.ResourceName] = st
	}
	return out, nil
}
