package consumer

// origin is the input position m answers for: the position its result
// (source) or dead letter (source.* headers) names, and the one position a
// fetched record is matched by when answered work is skipped after a crash
// (see answered.go). Today it is m's own position. A record that carries
// another record's position (a routed record) must return that one here, and
// every match must go through this function.
func (m *Message) origin() (topic string, partition int, offset int64) {
	return m.Topic, m.Partition, m.Offset
}
