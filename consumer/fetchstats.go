package consumer

import (
	"maps"
	"slices"
	"sync"
)

// skippedCounts counts, by topic, the records deleted before they were read
// (Stats.Skipped).
type skippedCounts struct {
	mu sync.Mutex
	n  map[string]int64
}

func (s *skippedCounts) add(topic string, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == nil {
		s.n = make(map[string]int64)
	}
	s.n[topic] += n
}

func (s *skippedCounts) snapshot() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.n)
}

// topicPartition names one partition.
type topicPartition struct {
	topic     string
	partition int
}

// PastEnd is a partition whose fetch position is past the end of its log.
type PastEnd struct {
	Topic     string
	Partition int
	Offset    int64 // the fetch position
	LogEnd    int64 // the end of the log when last asked; -1: the topic was deleted while it was read
}

// pastEnd lists the partitions whose fetch position is past the log end
// (Stats.PastEnd).
type pastEnd struct {
	mu sync.Mutex
	m  map[topicPartition]PastEnd
}

func newPastEnd() *pastEnd { return &pastEnd{m: make(map[topicPartition]PastEnd)} }

// set lists a partition; it reports whether it was not listed before.
func (p *pastEnd) set(topic string, partition int, offset, logEnd int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	tp := topicPartition{topic, partition}
	_, had := p.m[tp]
	p.m[tp] = PastEnd{Topic: topic, Partition: partition, Offset: offset, LogEnd: logEnd}
	return !had
}

func (p *pastEnd) clear(topic string, partition int) {
	p.mu.Lock()
	delete(p.m, topicPartition{topic, partition})
	p.mu.Unlock()
}

func (p *pastEnd) snapshot() []PastEnd {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := slices.Collect(maps.Values(p.m))
	slices.SortFunc(out, func(a, b PastEnd) int {
		if a.Topic != b.Topic {
			if a.Topic < b.Topic {
				return -1
			}
			return 1
		}
		return a.Partition - b.Partition
	})
	return out
}
