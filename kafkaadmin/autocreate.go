package kafkaadmin

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/segmentio/kafka-go"
)

// AutoCreateTopics reports whether a broker of the cluster creates topics
// when a client asks for one that does not exist (auto.create.topics.enable).
// kafka-go's group assignment asks for that (Conn.ReadPartitions), so on
// such a cluster a topic deleted under a running group can come back with
// the broker's defaults.
func AutoCreateTopics(ctx context.Context, brokers []string, transport kafka.RoundTripper) (bool, error) {
	c, done := newClient(brokers, transport)
	defer done()
	meta, err := c.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return false, fmt.Errorf("metadata: %w", err)
	}
	if len(meta.Brokers) == 0 {
		return false, errors.New("metadata: no brokers")
	}
	res, err := c.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
		ResourceType: kafka.ResourceTypeBroker, ResourceName: strconv.Itoa(meta.Brokers[0].ID),
		ConfigNames: []string{"auto.create.topics.enable"},
	}}})
	if err != nil {
		return false, fmt.Errorf("describe broker config: %w", err)
	}
	for _, r := range res.Resources {
		if r.Error != nil {
			return false, fmt.Errorf("describe broker config: %w", r.Error)
		}
		for _, e := range r.ConfigEntries {
			if e.ConfigName == "auto.create.topics.enable" {
				return e.ConfigValue == "true", nil
			}
		}
	}
	return false, errors.New("auto.create.topics.enable not reported")
}
