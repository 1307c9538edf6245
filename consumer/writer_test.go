package consumer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Results and dead letters land on the partition the Java client's default
// partitioner (murmur2) picks for their key; franz-go's StickyKeyPartitioner
// with the default hasher is that partitioner.
func TestOutputsPartitionedLikeJava(t *testing.T) {
	t.Parallel()
	const parts = 7
	addr := newBareCluster(t)
	createTopic(t, addr, inTopic, 1, nil)
	createTopic(t, addr, outTopic, parts, nil)
	createTopic(t, addr, dlqTopic, parts, nil)
	var msgs []kafka.Message
	var letters int
	for i := 0; i < 40; i++ {
		key := fmt.Sprintf("customer-%d", i)
		if len(key)%2 == 0 {
			letters++
		}
		msgs = append(msgs, kafka.Message{Key: []byte(key), Value: []byte(fmt.Sprintf("v%d", i))})
	}
	produce(t, addr, inTopic, msgs...)
	h := HandlerFunc(func(_ context.Context, m *Message) (Outcome, error) {
		if len(m.Key)%2 == 0 {
			return Outcome{DeadLetter: letter("invalid", "x")}, nil
		}
		return Outcome{Result: m.Value}, nil
	})
	start(t, baseOptions(addr, "g-murmur", h))
	testkit.WaitFor(t, 30*time.Second, "all committed", func() bool { return sum(committed(t, addr, "g-murmur", inTopic)) == 40 })

	java := kgo.StickyKeyPartitioner(nil)
	got := append(readAll(t, addr, outTopic, 40-letters, 10*time.Second), readAll(t, addr, dlqTopic, letters, 10*time.Second)...)
	if len(got) < 40 {
		t.Fatalf("outputs = %d; want 40", len(got))
	}
	for _, m := range got {
		want := java.ForTopic(m.Topic).Partition(&kgo.Record{Key: m.Key}, parts)
		if m.Partition != want {
			t.Errorf("%s key %q on partition %d; murmur2 (Java default) puts it on %d", m.Topic, m.Key, m.Partition, want)
		}
	}
}
