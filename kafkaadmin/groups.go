package kafkaadmin

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/segmentio/kafka-go"
)

// GroupOffsets is one consumer group's committed position on a topic.
type GroupOffsets struct {
	Group string
	// Committed is the next offset the group reads, by partition, for the
	// partitions it has committed on.
	Committed map[int]int64
	// Lag is the records after the committed offsets, over all partitions;
	// a partition without a commit counts from its log start, where a
	// leadworker group starts.
	Lag int64
}

// GroupsConsuming returns every consumer group that has committed an offset
// on topic, with its lag, sorted by group: a group that is running and one
// that stopped with offsets left behind alike. A topic that does not exist
// has none. It asks every broker for its groups (ListGroups) and each group
// for its offsets on topic (OffsetFetch), so it suits a command or a startup
// check, not a loop.
func GroupsConsuming(ctx context.Context, c *kafka.Client, topic string) ([]GroupOffsets, error) {
	meta, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	var parts []int
	for _, t := range meta.Topics {
		switch {
		case t.Name != topic:
		case errors.Is(t.Error, kafka.UnknownTopicOrPartition):
			return nil, nil
		case t.Error != nil:
			return nil, fmt.Errorf("metadata of %s: %w", topic, t.Error)
		default:
			for _, p := range t.Partitions {
				parts = append(parts, p.ID)
			}
		}
	}
	if len(parts) == 0 {
		return nil, nil
	}
	listed, err := c.ListGroups(ctx, &kafka.ListGroupsRequest{}) // the transport asks every broker
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	if listed.Error != nil {
		return nil, fmt.Errorf("list groups: %w", listed.Error)
	}
	var groups []string
	for _, g := range listed.Groups {
		groups = append(groups, g.GroupID)
	}
	slices.Sort(groups)
	groups = slices.Compact(groups)

	var out []GroupOffsets
	for _, g := range groups {
		committed, err := committedOn(ctx, c, g, topic, parts)
		if err != nil {
			return nil, err
		}
		if len(committed) > 0 {
			out = append(out, GroupOffsets{Group: g, Committed: committed})
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, groupLags(ctx, c, topic, parts, out)
}

// committedOn returns group's committed offsets on topic's partitions, only
// those it has committed.
func committedOn(ctx context.Context, c *kafka.Client, group, topic string, parts []int) (map[int]int64, error) {
	res, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err != nil {
		return nil, fmt.Errorf("offsets of group %s: %w", group, err)
	}
	if res.Error != nil {
		return nil, fmt.Errorf("offsets of group %s: %w", group, res.Error)
	}
	out := map[int]int64{}
	for _, p := range res.Topics[topic] {
		if p.Error == nil && p.CommittedOffset >= 0 {
			out[p.Partition] = p.CommittedOffset
		}
	}
	return out, nil
}

// groupLags fills in the Lag of each group from topic's log start and end
// offsets.
func groupLags(ctx context.Context, c *kafka.Client, topic string, parts []int, groups []GroupOffsets) error {
	var req []kafka.OffsetRequest
	for _, p := range parts {
		req = append(req, kafka.FirstOffsetOf(p), kafka.LastOffsetOf(p))
	}
	res, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: req}})
	if err != nil {
		return fmt.Errorf("offsets of %s: %w", topic, err)
	}
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			return fmt.Errorf("offsets of %s/%d: %w", topic, p.Partition, p.Error)
		}
		for i := range groups {
			from, ok := groups[i].Committed[p.Partition]
			if !ok || from < p.FirstOffset {
				from = p.FirstOffset
			}
			groups[i].Lag += max(p.LastOffset-from, 0)
		}
	}
	return nil
}

// SharedTopic is a topic the worker consumes on which other consumer groups
// have offsets too.
type SharedTopic struct {
	Topic  string
	Route  bool   // the route topic; false: an input topic
	Own    string // the worker's group on it
	Others []GroupOffsets
}

// SharedTopics returns the topics of spec the worker consumes (the inputs with
// spec.Group, the route topic with spec.RouteGroup) on which other groups
// have offsets. Two deployments on one route topic process each other's
// events; two on one input both process every event.
func SharedTopics(ctx context.Context, spec TopicsSpec) ([]SharedTopic, error) {
	c := spec.client()
	type consumed struct {
		topic, group string
		route        bool
	}
	var topics []consumed
	for _, in := range spec.Inputs {
		topics = append(topics, consumed{in, spec.Group, false})
	}
	if spec.Route != "" {
		topics = append(topics, consumed{spec.Route, spec.RouteGroup, true})
		if spec.Bulk != "" {
			topics = append(topics, consumed{spec.Bulk, spec.RouteGroup, true})
		}
	}
	var out []SharedTopic
	for _, t := range topics {
		groups, err := GroupsConsuming(ctx, c, t.topic)
		if err != nil {
			return out, err
		}
		others := slices.DeleteFunc(groups, func(g GroupOffsets) bool { return g.Group == t.group })
		if len(others) > 0 {
			out = append(out, SharedTopic{Topic: t.topic, Route: t.route, Own: t.group, Others: others})
		}
	}
	return out, nil
}

// GroupsOn is GroupsConsuming over a client of brokers (transport: TLS,
// SASL; nil is plain TCP).
func GroupsOn(ctx context.Context, brokers []string, transport kafka.RoundTripper, topic string) ([]GroupOffsets, error) {
	c, done := newClient(brokers, transport)
	defer done()
	return GroupsConsuming(ctx, c, topic)
}
