package kafkaadmin

import (
	"context"
	"github.com/leadworker/leadworker/consumer"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// TestCreateTopicsSizesFromTheLargestInput: the dead-letter and route topics
// take the largest max.message.bytes of all inputs, the route topic the
// largest partition count and the longest retention (-1, for ever, beats any
// other), wherever the largest input stands in the list.
func TestCreateTopicsSizesFromTheLargestInput(t *testing.T) {
	t.Parallel()
	const mb = 1 << 20
	type input struct {
		partitions int
		configs    map[string]string
	}
	tests := []struct {
		name          string
		inputs        []input
		wantLimit     int // of the dead-letter and route topics
		wantParts     int // of the route topic
		wantRetention string
	}{
		{
			name: "larger second",
			inputs: []input{
				{3, map[string]string{"max.message.bytes": strconv.Itoa(1 * mb), "retention.ms": "86400000"}},
				{5, map[string]string{"max.message.bytes": strconv.Itoa(5 * mb), "retention.ms": "604800000"}},
			},
			wantLimit: 5*mb + consumer.HeaderRoom, wantParts: 5, wantRetention: "604800000",
		},
		{
			name: "larger first",
			inputs: []input{
				{5, map[string]string{"max.message.bytes": strconv.Itoa(5 * mb), "retention.ms": "604800000"}},
				{3, map[string]string{"max.message.bytes": strconv.Itoa(1 * mb), "retention.ms": "86400000"}},
			},
			wantLimit: 5*mb + consumer.HeaderRoom, wantParts: 5, wantRetention: "604800000",
		},
		{
			name: "each largest in another input, one kept for ever",
			inputs: []input{
				{2, map[string]string{"max.message.bytes": strconv.Itoa(1 * mb), "retention.ms": "-1"}},
				{4, map[string]string{"max.message.bytes": strconv.Itoa(1 * mb), "retention.ms": "604800000"}},
				{1, map[string]string{"max.message.bytes": strconv.Itoa(5 * mb), "retention.ms": "86400000"}},
			},
			wantLimit: 5*mb + consumer.HeaderRoom, wantParts: 4, wantRetention: "-1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := newBareCluster(t)
			var inputs []string
			for i, in := range tt.inputs {
				topic := "in." + strconv.Itoa(i)
				createTopic(t, addr, topic, in.partitions, in.configs)
				inputs = append(inputs, topic)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			spec := TopicsSpec{Brokers: []string{addr}, Inputs: inputs, Result: "out", DLQ: "dlq", Route: "route", ReplicationFactor: 1}
			if _, err := CreateTopics(ctx, spec); err != nil {
				t.Fatalf("CreateTopics: %v", err)
			}
			got := topicConfigs(t, addr, "dlq", "route")
			for _, topic := range []string{"dlq", "route"} {
				if v := got[topic]["max.message.bytes"]; v != strconv.Itoa(tt.wantLimit) {
					t.Errorf("%s max.message.bytes = %s; want %d (the largest input's + 64 KiB)", topic, v, tt.wantLimit)
				}
			}
			if v := got["route"]["retention.ms"]; v != tt.wantRetention {
				t.Errorf("route retention.ms = %s; want %s", v, tt.wantRetention)
			}
			parts := partitionCounts(t, addr, "route", "out", "dlq")
			if parts["route"] != tt.wantParts {
				t.Errorf("route has %d partitions; want %d (the largest input's)", parts["route"], tt.wantParts)
			}
			if parts["out"] != DefaultPartitions || parts["dlq"] != DefaultPartitions {
				t.Errorf("result and dead-letter partitions = %d, %d; want DefaultPartitions (%d)", parts["out"], parts["dlq"], DefaultPartitions)
			}
		})
	}
}

func TestCreateTopicsRefusesNegativePartitions(t *testing.T) {
	t.Parallel()
	addr := newBareCluster(t)
	spec := TopicsSpec{Brokers: []string{addr}, Inputs: []string{"in"}, Result: "out", DLQ: "dlq", Partitions: -3}
	if res, err := CreateTopics(context.Background(), spec); err == nil || len(res) != 0 {
		t.Fatalf("CreateTopics(Partitions: -3) = %v, %v; want an error and nothing created", res, err)
	}
	if topicExists(t, addr, "in") {
		t.Error("topic in was created")
	}
}

// topicConfigs describes topics as the broker reports them.
func topicConfigs(t *testing.T, addr string, topics ...string) map[string]map[string]string {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
	req := &kafka.DescribeConfigsRequest{}
	for _, topic := range topics {
		req.Resources = append(req.Resources, kafka.DescribeConfigRequestResource{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: []string{"max.message.bytes", "retention.ms"},
		})
	}
	res, err := c.DescribeConfigs(context.Background(), req)
	if err != nil {
		t.Fatalf("describe configs: %v", err)
	}
	out := map[string]map[string]string{}
	for _, r := range res.Resources {
		if r.Error != nil {
			t.Fatalf("describe %s: %v", r.ResourceName, r.Error)
		}
		out[r.ResourceName] = map[string]string{}
		for _, e := range r.ConfigEntries {
			out[r.ResourceName][e.ConfigName] = e.ConfigValue
		}
	}
	return out
}

// partitionCounts returns the partition count of each topic (0: missing), asking
// the broker to create nothing.
func partitionCounts(t *testing.T, addr string, topics ...string) map[string]int {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
	meta, err := c.Metadata(context.Background(), &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		t.Fatalf("metadata: %v", err)
	}
	out := map[string]int{}
	for _, tp := range meta.Topics {
		if tp.Error == nil {
			out[tp.Name] = len(tp.Partitions)
		}
	}
	return out
}
