package park

import (
	"slices"
	"strconv"

	"github.com/segmentio/kafka-go"
)

// Balancer is the parked topic writer's kafka.Balancer: a parked record goes
// to the partition it was read from (HeaderPartition), so that partition p
// of the parked topic holds what partition p of the topics it is
// co-partitioned with set aside. A record without that header, or naming a
// partition the topic lacks, is placed by murmur2 of its key.
type Balancer struct{}

// Balance implements kafka.Balancer.
func (Balancer) Balance(m kafka.Message, partitions ...int) int {
	if v, ok := Get(m.Headers, HeaderPartition); ok {
		if p, err := strconv.Atoi(string(v)); err == nil && slices.Contains(partitions, p) {
			return p
		}
	}
	return (&kafka.Murmur2Balancer{}).Balance(m, partitions...)
}
