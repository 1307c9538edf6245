package integration

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/segmentio/kafka-go"
)

// groupView is a consumer group as the coordinator describes it: its state and which
// partitions of one topic each member owns.
type groupView struct {
	State  string
	Owners map[string][]int // member id → sorted partitions of the topic
}

// describeGroup asks the group coordinator for group's state and each member's partitions of
// topic.
func describeGroup(ctx context.Context, b *broker, group, topic string) (groupView, error) {
	c := &kafka.Client{Addr: kafka.TCP(b.addrs...), Timeout: 5 * time.Second}
	resp, err := c.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil {
		return groupView{}, fmt.Errorf("describe group %s: %w", group, err)
	}
	if len(resp.Groups) != 1 {
		return groupView{}, fmt.Errorf("describe group %s: %d groups in the answer", group, len(resp.Groups))
	}
	g := resp.Groups[0]
	if g.Error != nil {
		return groupView{}, fmt.Errorf("describe group %s: %w", group, g.Error)
	}
	v := groupView{State: g.GroupState, Owners: map[string][]int{}}
	for _, m := range g.Members {
		var ps []int
		for _, a := range m.MemberAssignments.Topics {
			if a.Topic == topic {
				ps = append(ps, a.Partitions...)
			}
		}
		slices.Sort(ps)
		v.Owners[m.MemberID] = ps
	}
	return v, nil
}

// waitGroup polls until group is Stable with exactly members members, each owning at least one
// partition of topic and together all partitions of it, and returns that assignment. The
// partitions must exist: the caller created topic with that many.
func waitGroup(t *testing.T, b *broker, group, topic string, partitions, members int, timeout time.Duration, workers ...*workerProc) groupView {
	t.Helper()
	var v groupView
	err := testkit.Until(t, timeout, func() error {
		for _, w := range workers {
			if w.exited() {
				return testkit.Stop(errors.New(w.name + " exited: " + w.exitStatus()))
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var err error
		if v, err = describeGroup(ctx, b, group, topic); err != nil {
			return err
		}
		return v.complete(partitions, members)
	})
	if err != nil {
		t.Fatalf("group %s on %s: waiting for %d members sharing %d partitions: %v", group, topic, members, partitions, err)
	}
	return v
}

// complete reports why v is not a stable group of members members that covers partitions
// partitions, each member owning some.
func (v groupView) complete(partitions, members int) error {
	if v.State != "Stable" {
		return fmt.Errorf("state %q, members %v", v.State, v.Owners)
	}
	if len(v.Owners) != members {
		return fmt.Errorf("%d members %v; want %d", len(v.Owners), v.Owners, members)
	}
	seen := map[int]bool{}
	for id, ps := range v.Owners {
		if len(ps) == 0 {
			return fmt.Errorf("member %s owns no partition: %v", id, v.Owners)
		}
		for _, p := range ps {
			seen[p] = true
		}
	}
	if len(seen) != partitions {
		return fmt.Errorf("%d of %d partitions assigned: %v", len(seen), partitions, v.Owners)
	}
	return nil
}

// groupLag is how many records of topic group has not committed: the sum over partitions of
// partitionLag.
func groupLag(ctx context.Context, b *broker, group, topic string, partitions int) (int64, error) {
	lags, err := partitionLag(ctx, b, group, topic, partitions)
	var sum int64
	for _, l := range lags {
		sum += l
	}
	return sum, err
}

// partitionLag is, for each partition of topic, how many records group has not committed: the
// end offset less the committed offset (the start offset when nothing is committed).
func partitionLag(ctx context.Context, b *broker, group, topic string, partitions int) (map[int]int64, error) {
	c := &kafka.Client{Addr: kafka.TCP(b.addrs...), Timeout: 5 * time.Second}
	var all []int
	var ends, starts []kafka.OffsetRequest
	for p := range partitions {
		all = append(all, p)
		ends = append(ends, kafka.LastOffsetOf(p))
		starts = append(starts, kafka.FirstOffsetOf(p))
	}
	committed, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: all}})
	if err != nil {
		return nil, fmt.Errorf("offset fetch %s: %w", group, err)
	}
	if committed.Error != nil {
		return nil, fmt.Errorf("offset fetch %s: %w", group, committed.Error)
	}
	end, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: ends}})
	if err != nil {
		return nil, fmt.Errorf("list end offsets of %s: %w", topic, err)
	}
	start, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: starts}})
	if err != nil {
		return nil, fmt.Errorf("list start offsets of %s: %w", topic, err)
	}
	pos := map[int]int64{}
	for _, po := range start.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("start offset of %s/%d: %w", topic, po.Partition, po.Error)
		}
		pos[po.Partition] = po.FirstOffset
	}
	for _, po := range committed.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("committed offset of %s/%d: %w", topic, po.Partition, po.Error)
		}
		if po.CommittedOffset >= 0 {
			pos[po.Partition] = po.CommittedOffset
		}
	}
	lags := map[int]int64{}
	for _, po := range end.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("end offset of %s/%d: %w", topic, po.Partition, po.Error)
		}
		lags[po.Partition] = max(po.LastOffset-pos[po.Partition], 0)
	}
	return lags, nil
}

// memberID is the member id w's stage ("route" or "process") last joined its group with, as
// its "joined consumer group" log line says, or "".
func memberID(w *workerProc, stage string) string {
	id := ""
	for _, l := range w.stderr.lines() {
		if l["msg"] == "joined consumer group" && l["stage"] == stage {
			id, _ = l["member"].(string)
		}
	}
	return id
}

// waitJoined polls w's /readyz until it is ready and owns partitions.
func waitJoined(t *testing.T, w *workerProc, timeout time.Duration) {
	t.Helper()
	w.waitReady(t, timeout, "ready with partitions", func(r readyz) bool { return isReady(r) && r.Partitions > 0 })
}
