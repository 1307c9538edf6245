package kafkaadmin

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// produceTo writes n records to one partition of topic.
func produceTo(t *testing.T, addr, topic string, partition int32, n int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatalf("kgo: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for range n {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Partition: partition, Value: []byte("v")}).FirstErr(); err != nil {
			t.Fatalf("produce to %s/%d: %v", topic, partition, err)
		}
	}
}

// commitAs commits offsets (partition → next offset) of topic for group, as
// a group with no members (kafka-consumer-groups --reset-offsets does the same).
func commitAs(t *testing.T, addr, group, topic string, offsets map[int]int64) {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
	var commits []kafka.OffsetCommit
	for p, o := range offsets {
		commits = append(commits, kafka.OffsetCommit{Partition: p, Offset: o})
	}
	res, err := c.OffsetCommit(context.Background(), &kafka.OffsetCommitRequest{
		GroupID: group, GenerationID: -1, Topics: map[string][]kafka.OffsetCommit{topic: commits},
	})
	if err != nil {
		t.Fatalf("commit for %s: %v", group, err)
	}
	for _, ps := range res.Topics {
		for _, p := range ps {
			if p.Error != nil {
				t.Fatalf("commit for %s %s/%d: %v", group, topic, p.Partition, p.Error)
			}
		}
	}
}

// TestGroupsConsuming: every group with an offset on the topic is listed, with
// its lag counted from the log start where it has no commit; groups of other
// topics are not, and a missing topic has none.
func TestGroupsConsuming(t *testing.T) {
	t.Parallel()
	addr := newBareCluster(t)
	createTopic(t, addr, "shared.route", 2, nil)
	createTopic(t, addr, "other", 1, nil)
	produceTo(t, addr, "shared.route", 0, 6)
	produceTo(t, addr, "shared.route", 1, 4)
	commitAs(t, addr, "sha.route", "shared.route", map[int]int64{0: 2})       // lag 4 + 4
	commitAs(t, addr, "shb.route", "shared.route", map[int]int64{0: 6, 1: 4}) // lag 0
	commitAs(t, addr, "unrelated", "other", map[int]int64{0: 0})

	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := GroupsConsuming(ctx, c, "shared.route")
	if err != nil {
		t.Fatalf("GroupsConsuming: %v", err)
	}
	want := []GroupOffsets{
		{Group: "sha.route", Committed: map[int]int64{0: 2}, Lag: 8},
		{Group: "shb.route", Committed: map[int]int64{0: 6, 1: 4}, Lag: 0},
	}
	if !slices.EqualFunc(got, want, func(a, b GroupOffsets) bool {
		return a.Group == b.Group && a.Lag == b.Lag && maps.Equal(a.Committed, b.Committed)
	}) {
		t.Errorf("GroupsConsuming(shared.route) = %+v; want %+v", got, want)
	}

	if got, err := GroupsConsuming(ctx, c, "missing"); err != nil || len(got) != 0 {
		t.Errorf("GroupsConsuming(missing) = %+v, %v; want none", got, err)
	}
}

// TestSharedTopics: the worker's own groups are left out; another
// deployment's route group on the route topic and another group on an input
// are reported.
func TestSharedTopics(t *testing.T) {
	t.Parallel()
	addr := newBareCluster(t)
	createTopic(t, addr, "in", 1, nil)
	createTopic(t, addr, "leadworker.route", 1, nil)
	produceTo(t, addr, "leadworker.route", 0, 3)
	commitAs(t, addr, "sha", "in", map[int]int64{0: 0})
	commitAs(t, addr, "sha.route", "leadworker.route", map[int]int64{0: 3})
	commitAs(t, addr, "shb.route", "leadworker.route", map[int]int64{0: 1})
	commitAs(t, addr, "analytics", "in", map[int]int64{0: 0})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := SharedTopics(ctx, TopicsSpec{Brokers: []string{addr}, Inputs: []string{"in"}, Route: "leadworker.route", Group: "sha", RouteGroup: "sha.route"})
	if err != nil {
		t.Fatalf("SharedTopics: %v", err)
	}
	var lines []string
	for _, s := range got {
		for _, g := range s.Others {
			lines = append(lines, s.Topic+" "+g.Group)
		}
	}
	if want := []string{"in analytics", "leadworker.route shb.route"}; !slices.Equal(lines, want) {
		t.Errorf("SharedTopics = %q; want %q", lines, want)
	}
	if len(got) == 2 && (got[0].Route || !got[1].Route || got[1].Own != "sha.route" || got[1].Others[0].Lag != 2) {
		t.Errorf("SharedTopics = %+v; want the input first, then the route topic owned by sha.route with shb.route 2 behind", got)
	}
}
