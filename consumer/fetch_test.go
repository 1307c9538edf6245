package consumer

import (
	"context"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// commitFor commits offset for group on partition 0 of topic, as an operator's
// tool does (no generation, empty metadata).
func commitFor(t *testing.T, addr, group, topic string, offset int64) {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 5 * time.Second}
	res, err := c.OffsetCommit(context.Background(), &kafka.OffsetCommitRequest{
		GroupID: group, GenerationID: -1,
		Topics: map[string][]kafka.OffsetCommit{topic: {{Partition: 0, Offset: offset}}},
	})
	if err != nil {
		t.Fatalf("offset commit: %v", err)
	}
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			t.Fatalf("offset commit: %v", p.Error)
		}
	}
}

// deleteRecords deletes partition's records below offset, as retention does.
func deleteRecords(t *testing.T, addr, topic string, partition int32, offset int64) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	req := kmsg.NewPtrDeleteRecordsRequest()
	rt := kmsg.NewDeleteRecordsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewDeleteRecordsRequestTopicPartition()
	rp.Partition, rp.Offset = partition, offset
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 5000
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("delete records: %v", err)
	}
	for _, rt := range res.Topics {
		for _, rp := range rt.Partitions {
			if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
				t.Fatalf("delete records %s/%d: %v", rt.Topic, rp.Partition, err)
			}
		}
	}
}

// Records deleted (as retention does) before the group read them are
// counted by topic, and the partition goes on from the log start.
func TestRecordsDeletedBeforeReadAreCounted(t *testing.T) {
	t.Parallel()
	_, addr := newCluster(t, 1, inTopic, outTopic, dlqTopic)
	produce(t, addr, inTopic, keyed(10, 10)...)
	commitFor(t, addr, "g-deleted", inTopic, 2)
	deleteRecords(t, addr, inTopic, 0, 6)
	h := newEcho()
	r := start(t, baseOptions(addr, "g-deleted", h))
	testkit.WaitFor(t, 20*time.Second, "offset 10 committed", func() bool { return committed(t, addr, "g-deleted", inTopic)[0] == 10 })
	if got := r.c.Stats().Skipped[inTopic]; got != 4 {
		t.Errorf("Stats.Skipped[%s] = %d; want 4 (offsets 2..5 deleted before they were read)", inTopic, got)
	}
	if got := h.distinct(); got != 4 {
		t.Errorf("handled %d records; want 4 (offsets 6..9)", got)
	}
	r.stop(t)
}

// A committed offset past the end of the log (a topic deleted and created
// again) is reported in Stats.PastEnd, and nothing is read or skipped.
func TestFetchPastEndIsReported(t *testing.T) {
	t.Parallel()
	_, addr := newCluster(t, 1, inTopic, outTopic, dlqTopic)
	produce(t, addr, inTopic, keyed(3, 3)...)
	commitFor(t, addr, "g-past", inTopic, 50)
	h := newEcho()
	r := start(t, baseOptions(addr, "g-past", h))
	testkit.WaitFor(t, 20*time.Second, "partition listed past the end", func() bool { return len(r.c.Stats().PastEnd) == 1 })
	got := r.c.Stats().PastEnd[0]
	if want := (PastEnd{Topic: inTopic, Partition: 0, Offset: 50, LogEnd: 3}); got != want {
		t.Errorf("PastEnd = %+v; want %+v", got, want)
	}
	if n := h.distinct(); n != 0 {
		t.Errorf("handled %d records; want none", n)
	}
	if c := committed(t, addr, "g-past", inTopic)[0]; c != 50 {
		t.Errorf("committed = %d; want 50 left as it is", c)
	}
	r.stop(t)
}
