package kafkaadmin

import (
	"context"
	"errors"
	"fmt"
	"github.com/leadworker/leadworker/consumer"
	"math"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// DefaultPartitions is the partition count of new input, result and
// dead-letter topics when TopicsSpec.Partitions is 0.
const DefaultPartitions = 12

// TopicsSpec says which topics CreateTopics makes and how.
type TopicsSpec struct {
	Brokers   []string           // required
	Transport kafka.RoundTripper // TLS, SASL (Connections); nil is plain TCP

	Inputs []string // required
	Result string   // required
	DLQ    string   // required
	// Route, when set, is created with the largest partition count and the
	// longest retention of the inputs, and the dead-letter topic's size limit.
	Route string
	// Bulk, when set with Route, is the bulk route topic: created like
	// Route, with the route topic's partition count as it is.
	Bulk string
	// Parked, when set, is created with the route topic's partition count
	// (the largest input's without Route: it is co-partitioned with the
	// topic the process stage reads), the dead-letter topic's size limit,
	// and retention.ms of at least ParkedRetention (7 days when 0).
	Parked          string
	ParkedRetention time.Duration

	Partitions        int // for topics that take no count from another; 0: DefaultPartitions
	ReplicationFactor int // -1: the broker's default.replication.factor [-1]
	MinInsyncReplicas int // min.insync.replicas; 0: the broker's default

	// Group consumes Inputs and RouteGroup consumes Route: the worker's own
	// groups, which SharedTopics leaves out. CreateTopics does not use them.
	Group      string
	RouteGroup string
}

func (spec TopicsSpec) client() *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(spec.Brokers...), Transport: spec.Transport, Timeout: 30 * time.Second}
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
// them: the dead-letter and route topics allow the largest max.message.bytes
// of the inputs plus 64 KiB for headers, and the route topic gets the largest
// partition count of the inputs and the longest retention.ms (-1, keep for
// ever, is the longest). The worker itself never creates topics; this is for
// operators (`leadworker topics create`).
func CreateTopics(ctx context.Context, spec TopicsSpec) ([]TopicResult, error) {
	if len(spec.Brokers) == 0 || len(spec.Inputs) == 0 || spec.Result == "" || spec.DLQ == "" {
		return nil, errors.New("topics: brokers, input, result and dead-letter topics are required")
	}
	if spec.Partitions < 0 {
		return nil, fmt.Errorf("topics: partitions %d: want a positive count", spec.Partitions)
	}
	if spec.Partitions == 0 {
		spec.Partitions = DefaultPartitions
	}
	if spec.ReplicationFactor == 0 {
		spec.ReplicationFactor = -1
	}
	c := spec.client()
	var out []TopicResult
	for _, in := range spec.Inputs {
		r, err := createOne(ctx, c, spec, in, spec.Partitions, nil)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	in, err := sizeInputs(ctx, c, out)
	if err != nil {
		return out, err
	}
	larger := map[string]string{"max.message.bytes": strconv.Itoa(in.maxMessageBytes + consumer.HeaderRoom)}
	plan := []struct {
		topic      string
		partitions int
		configs    map[string]string
	}{
		{spec.Result, spec.Partitions, nil},
		{spec.DLQ, spec.Partitions, larger},
	}
	var route map[string]string // the route topic's settings, the bulk route topic's too
	if spec.Route != "" {
		route = map[string]string{"max.message.bytes": larger["max.message.bytes"]}
		if in.retentionMs != "" {
			route["retention.ms"] = in.retentionMs
		}
		plan = append(plan, struct {
			topic      string
			partitions int
			configs    map[string]string
		}{spec.Route, in.partitions, route})
	}
	for _, p := range plan {
		r, err := createOne(ctx, c, spec, p.topic, p.partitions, p.configs)
		if err != nil {
			return out, err
		}
		out = append(out, r)
		if p.topic == spec.Route {
			in.partitions = r.Partitions // the bulk and parked topics follow the route topic as it is
		}
	}
	if spec.Route != "" && spec.Bulk != "" {
		r, err := createOne(ctx, c, spec, spec.Bulk, in.partitions, route)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	if spec.Parked != "" {
		keep := max(spec.ParkedRetention, MinParkedRetention)
		parked := map[string]string{"max.message.bytes": larger["max.message.bytes"], "retention.ms": strconv.FormatInt(keep.Milliseconds(), 10)}
		if in.retentionMs == "-1" {
			parked["retention.ms"] = "-1"
		}
		r, err := createOne(ctx, c, spec, spec.Parked, in.partitions, parked)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// MinParkedRetention is the least retention CreateTopics gives the parked
// topic: parked records wait there for days.
const MinParkedRetention = 7 * 24 * time.Hour

// inputSizes is what the topics fed from the inputs are sized by: the
// largest of every input, not the first one's.
type inputSizes struct {
	maxMessageBytes int
	partitions      int
	retentionMs     string // the longest; "-1" (for ever) beats any other; "" unknown
}

// sizeInputs reads max.message.bytes and retention.ms of every input and
// returns the largest of each, with the largest partition count.
func sizeInputs(ctx context.Context, c *kafka.Client, inputs []TopicResult) (inputSizes, error) {
	var s inputSizes
	var longest int64
	for _, in := range inputs {
		cfg, err := describeTopic(ctx, c, in.Topic, "max.message.bytes", "retention.ms")
		if err != nil {
			return s, err
		}
		limit, err := strconv.Atoi(cfg["max.message.bytes"])
		if err != nil {
			return s, fmt.Errorf("max.message.bytes of %s: %q", in.Topic, cfg["max.message.bytes"])
		}
		s.maxMessageBytes = max(s.maxMessageBytes, limit)
		s.partitions = max(s.partitions, in.Partitions)
		if r := cfg["retention.ms"]; r != "" {
			ms, err := strconv.ParseInt(r, 10, 64)
			if err != nil {
				return s, fmt.Errorf("retention.ms of %s: %q", in.Topic, r)
			}
			if ms < 0 { // kept for ever
				ms = math.MaxInt64
			}
			if s.retentionMs == "" || ms > longest {
				s.retentionMs, longest = r, ms
			}
		}
	}
	return s, nil
}

// createOne creates topic unless it exists, and returns what it is.
func createOne(ctx context.Context, c *kafka.Client, spec TopicsSpec, topic string, partitions int, configs map[string]string) (TopicResult, error) {
	if n, err := PartitionCount(ctx, c, topic); err != nil {
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

// PartitionCount returns topic's partition count, 0 when it does not exist.
func PartitionCount(ctx context.Context, c *kafka.Client, topic string) (int, error) {
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
