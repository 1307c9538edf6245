package route

import (
	"fmt"
	"slices"

	"github.com/segmentio/kafka-go"
)

// Aligned is a kafka.GroupBalancer that gives partition p of every topic a
// member reads to the same member, so that co-partitioned topics (the route
// topic and the parked topic, with one partition count and one routing key)
// put one identity's records on one replica. Members are sorted by id and
// partition ids sorted, and each member gets a contiguous range of ids, the
// same range in every topic of the same partition count. Members that read
// different topics (a rolling deploy) can still end up misaligned; the
// consumer checks every assignment (Misaligned).
type Aligned struct{}

// ProtocolName implements kafka.GroupBalancer.
func (Aligned) ProtocolName() string { return "leadworker-aligned" }

// UserData implements kafka.GroupBalancer.
func (Aligned) UserData() ([]byte, error) { return nil, nil }

// AssignGroups implements kafka.GroupBalancer.
func (Aligned) AssignGroups(members []kafka.GroupMember, partitions []kafka.Partition) kafka.GroupMemberAssignments {
	out := kafka.GroupMemberAssignments{}
	byTopic := map[string][]int{}
	for _, p := range partitions {
		byTopic[p.Topic] = append(byTopic[p.Topic], p.ID)
	}
	for topic, ids := range byTopic {
		slices.Sort(ids)
		var readers []string
		for _, m := range members {
			if slices.Contains(m.Topics, topic) {
				readers = append(readers, m.ID)
			}
		}
		slices.Sort(readers)
		for i, id := range readers {
			if out[id] == nil {
				out[id] = map[string][]int{}
			}
			lo, hi := i*len(ids)/len(readers), (i+1)*len(ids)/len(readers)
			out[id][topic] = append(out[id][topic], ids[lo:hi]...)
		}
	}
	return out
}

// Misaligned returns, of an assignment, the partitions of the co-partitioned
// topics whose id is not assigned in all of them: they must not be read in
// this generation, or one identity could be handled by two replicas at once.
// A co-partitioned topic with no partition assigned makes every partition of
// the others misaligned.
func Misaligned(assigned map[string][]int, coPartitioned []string) map[string][]int {
	if len(coPartitioned) < 2 {
		return nil
	}
	count := map[int]int{}
	for _, t := range coPartitioned {
		for _, id := range assigned[t] {
			count[id]++
		}
	}
	out := map[string][]int{}
	for _, t := range coPartitioned {
		for _, id := range assigned[t] {
			if count[id] != len(coPartitioned) {
				out[t] = append(out[t], id)
			}
		}
	}
	return out
}

// CountProblems says which co-partitioned topics differ in partition count
// from the first, given the counts by topic (a topic not in counts is not
// compared).
func CountProblems(counts map[string]int, coPartitioned []string) []string {
	var out []string
	for i, t := range coPartitioned {
		first := coPartitioned[0]
		if a, b := counts[first], counts[t]; i > 0 && a > 0 && b > 0 && a != b {
			out = append(out, fmt.Sprintf("topic %s has %d partitions and %s %d: co-partitioned topics need the same count (partition p of each holds the same identities)", t, b, first, a))
		}
	}
	return out
}
