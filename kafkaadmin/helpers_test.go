package kafkaadmin

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// newBareCluster starts an embedded broker with no topics.
func newBareCluster(t *testing.T, opts ...kfake.Opt) string {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

// createTopic creates topic with the given topic configs (max.message.bytes...).
func createTopic(t *testing.T, addr, topic string, partitions int, configs map[string]string) {
	t.Helper()
	conn, err := kafka.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	tc := kafka.TopicConfig{Topic: topic, NumPartitions: partitions, ReplicationFactor: 1}
	for k, v := range configs {
		tc.ConfigEntries = append(tc.ConfigEntries, kafka.ConfigEntry{ConfigName: k, ConfigValue: v})
	}
	if err := conn.CreateTopics(tc); err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
}

func TestAutoCreateTopics(t *testing.T) {
	t.Parallel()
	for _, allow := range []bool{false, true} {
		addr := newBareCluster(t, kfake.BrokerConfigs(map[string]string{"auto.create.topics.enable": strconv.FormatBool(allow)}))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		got, err := AutoCreateTopics(ctx, []string{addr}, nil)
		cancel()
		if err != nil || got != allow {
			t.Errorf("AutoCreateTopics() with auto-creation %v = %v, %v; want %v, nil", allow, got, err, allow)
		}
	}
}

func TestDescriber(t *testing.T) {
	t.Parallel()
	addr := newBareCluster(t)
	createTopic(t, addr, "in", 3, map[string]string{"max.message.bytes": "2097152", "retention.ms": "86400000"})
	createTopic(t, addr, "compacted", 1, map[string]string{"cleanup.policy": "compact", "retention.ms": "-1"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := NewDescriber([]string{addr}, nil).Describe(ctx, []string{"in", "compacted", "missing"})
	if err != nil {
		t.Fatalf("Describe() = %v", err)
	}
	if st := got["in"]; st.Partitions != 3 || st.MaxMessageBytes != 2097152 || st.CleanupPolicy != "delete" || st.Retention != 24*time.Hour {
		t.Errorf("in = %+v; want 3 partitions, 2097152 bytes, delete, a day's retention", st)
	}
	if st := got["compacted"]; st.CleanupPolicy != "compact" || st.Retention >= 0 {
		t.Errorf("compacted = %+v; want cleanup.policy compact, retention for ever (negative)", st)
	}
	if _, ok := got["missing"]; ok || len(got) != 2 {
		t.Errorf("Describe() = %v; want the two topics that exist", got)
	}
}

// topicExists asks the broker without asking it to create anything.
func topicExists(t *testing.T, addr, topic string) bool {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(addr), Transport: &kafka.Transport{}, Timeout: 5 * time.Second}
	defer c.Transport.(*kafka.Transport).CloseIdleConnections()
	res, err := c.Metadata(context.Background(), &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		t.Fatalf("metadata: %v", err)
	}
	return len(res.Topics) == 1 && res.Topics[0].Error == nil
}
