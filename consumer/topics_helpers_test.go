package consumer

import (
	"context"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
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

// rawRecords reads want records of topic with franz-go, which keeps a null
// value or header value (nil) apart from an empty one ([]byte{}).
func rawRecords(t *testing.T, addr, topic string, want int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatalf("kgo: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records from %s", len(out), want, topic)
		}
		fs.EachRecord(func(r *kgo.Record) { out = append(out, r) })
	}
	return out
}

func newTestLogger() (*logrus.Logger, *test.Hook) { return test.NewNullLogger() }

// addPartitions grows topic to total partitions.
func addPartitions(t *testing.T, addr, topic string, total int) {
	t.Helper()
	conn, err := kafka.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
	res, err := c.CreatePartitions(context.Background(), &kafka.CreatePartitionsRequest{
		Topics: []kafka.TopicPartitionsConfig{{Name: topic, Count: int32(total)}},
	})
	if err != nil {
		t.Fatalf("create partitions: %v", err)
	}
	if err := res.Errors[topic]; err != nil {
		t.Fatalf("create partitions: %v", err)
	}
}
