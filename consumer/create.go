package consumer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// TopicsSpec says which topics CreateTopics makes and how.
type TopicsSpec struct {
	Brokers   []string           // required
	Transport kafka.RoundTripper // TLS, SASL (Connections); nil is plain TCP

	Inputs []string // required
	Result string   // required
	DLQ    string   // required
	// Route, when set, is created with the first input's partition count and
	// retention, and the dead-letter topic's size limit.
	Route string

	Partitions        int // for topics that take no count from another [12]
	ReplicationFactor int // -1: the broker's default.replication.factor [-1]
	MinInsyncReplicas int // min.insync.replicas; 0: the broker's default
}

// TopicResult is what CreateTopics did with one topic.
type TopicResult struct {
	Topic      string
	Created    bool // false: it existed and was left as it is
	Partitions int
	Configs    map[string]string // the settings it was created with
}

// CreateTopics creates the missing topics of spec with cleanup.policy=delete.
// Existing topics are left untouched, and the settings of new ones follow
// them: the dead-letter and route topics allow the input's max.message.bytes
// plus 64 KiB for headers, and the route topic gets the input's partition
// count and at least its retention. The worker itself never creates topics;
// this is for operators (`leadworker topics create`).
func CreateTopics(ctx context.Context, spec TopicsSpec) ([]TopicResult, error) {
	if len(spec.Brokers) == 0 || len(spec.Inputs) == 0 || spec.Result == "" || spec.DLQ == "" {
		return nil, errors.New("topics: brokers, input, result and dead-letter topics are required")
	}
	if spec.Partitions <= 0 {
		spec.Partitions = 12
	}
	if spec.ReplicationFactor == 0 {
		spec.ReplicationFactor = -1
	}
	c := &kafka.Client{Addr: kafka.TCP(spec.Brokers...), Transport: spec.Transport, Timeout: 30 * time.Second}
	var out []TopicResult
	for _, in := range spec.Inputs {
		r, err := createOne(ctx, c, spec, in, spec.Partitions, nil)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	first := out[0]
	inCfg, err := describeTopic(ctx, c, first.Topic, "max.message.bytes", "retention.ms")
	if err != nil {
		return out, err
	}
	limit, err := strconv.Atoi(inCfg["max.message.bytes"])
	if err != nil {
		return out, fmt.Errorf("max.message.bytes of %s: %q", first.Topic, inCfg["max.message.bytes"])
	}
	larger := map[string]string{"max.message.bytes": strconv.Itoa(limit + headerRoom)}
	plan := []struct {
		topic      string
		partitions int
		configs    map[string]string
	}{
		{spec.Result, spec.Partitions, nil},
		{spec.DLQ, spec.Partitions, larger},
	}
	if spec.Route != "" {
		route := map[string]string{"max.message.bytes": larger["max.message.bytes"]}
		if r := inCfg["retention.ms"]; r != "" {
			route["retention.ms"] = r
		}
		plan = append(plan, struct {
			topic      string
			partitions int
			configs    map[string]string
		}{spec.Route, first.Partitions, route})
	}
	for _, p := range plan {
		r, err := createOne(ctx, c, spec, p.topic, p.partitions, p.configs)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// createOne creates topic unless it exists, and returns what it is.
func createOne(ctx context.Context, c *kafka.Client, spec TopicsSpec, topic string, partitions int, configs map[string]string) (TopicResult, error) {
	if n, err := partitionCount(ctx, c, topic); err != nil {
		return TopicResult{}, err
	} else if n > 0 {
		return TopicResult{Topic: topic, Partitions: n}, nil
	}
	all := map[string]string{"cleanup.policy": "delete"}
	if spec.MinInsyncReplicas > 0 {
		all["min.insync.replicas"] = strconv.Itoa(spec.MinInsyncReplicas)
	}
	for k, v := range configs {
		all[k] = v
	}
	tc := kafka.TopicConfig{Topic: topic, NumPartitions: partitions, ReplicationFactor: spec.ReplicationFactor}
	for k, v := range all {
		tc.ConfigEntries = append(tc.ConfigEntries, kafka.ConfigEntry{ConfigName: k, ConfigValue: v})
	}
	res, err := c.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{tc}})
	if err != nil {
		return TopicResult{}, fmt.Errorf("create topic %s: %w", topic, err)
	}
	if err := res.Errors[topic]; err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		return TopicResult{}, fmt.Errorf("create topic %s: %w", topic, err)
	}
	return TopicResult{Topic: topic, Created: true, Partitions: partitions, Configs: all}, nil
}

// partitionCount returns topic's partition count, 0 when it does not exist.
func partitionCount(ctx context.Context, c *kafka.Client, topic string) (int, error) {
	meta, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return 0, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	for _, t := range meta.Topics {
		if t.Name == topic && t.Error == nil {
			return len(t.Partitions), nil
		}
	}
	return 0, nil
}

// describeTopic returns the named settings of topic as the broker reports
// them (the topic's own or the broker default it inherits).
func describeTopic(ctx context.Context, c *kafka.Client, topic string, names ...string) (map[string]string, error) {
	res, err := c.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{
		{ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: names},
	}})
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", topic, err)
	}
	out := map[string]string{}
	for _, r := range res.Resources {
		if r.Error != nil {
			return nil, fmt.Errorf("describe %s: %w", topic, r.Error)
		}
		for _, e := range r.ConfigEntries {
			out[e.ConfigName] = e.ConfigValue
		}
	}
	return out, nil
}
