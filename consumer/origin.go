package consumer

import "github.com/leadworker/leadworker/recovery"

// origin is the input position m answers for: the position its result
// (source) or dead letter (source.* headers) names, and the one position a
// fetched record is matched by when answered work is skipped after a crash
// (see answered.go). It is m's own position: a routed record has the input
// position it carries set as its own when it is read (unroute, route.go), and
// every match goes through this function.
func (m *Message) origin() (topic string, partition int, offset int64) {
	return m.Topic, m.Partition, m.Offset
}

// originOf is m's origin as a recovery.Origin.
func originOf(m *Message) recovery.Origin {
	t, p, o := m.origin()
	return recovery.Origin{Topic: t, Partition: p, Offset: o}
}
