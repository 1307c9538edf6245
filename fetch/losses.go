package fetch

import (
	"maps"
	"slices"
	"sync"
)

// Losses records what reading lost or could not go on with, for a
// consumer's partitions: records deleted (by retention) before they were
// read, counted by topic, and the partitions whose fetch position is past
// the end of the log. It is safe for concurrent use.
type Losses struct {
	mu      sync.Mutex
	skipped map[string]int64
	pastEnd map[partitionKey]PastEnd
}

type partitionKey struct {
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

// Skip counts n records of topic deleted before they were read.
func (l *Losses) Skip(topic string, n int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.skipped == nil {
		l.skipped = make(map[string]int64)
	}
	l.skipped[topic] += n
}

// Skipped returns the counts by topic.
func (l *Losses) Skipped() map[string]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.skipped)
}

// SetPastEnd lists a partition; it reports whether it was not listed
// before.
func (l *Losses) SetPastEnd(topic string, partition int, offset, logEnd int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pastEnd == nil {
		l.pastEnd = make(map[partitionKey]PastEnd)
	}
	k := partitionKey{topic, partition}
	_, had := l.pastEnd[k]
	l.pastEnd[k] = PastEnd{Topic: topic, Partition: partition, Offset: offset, LogEnd: logEnd}
	return !had
}

// ClearPastEnd forgets a partition (it was given up).
func (l *Losses) ClearPastEnd(topic string, partition int) {
	l.mu.Lock()
	delete(l.pastEnd, partitionKey{topic, partition})
	l.mu.Unlock()
}

// PastEnd returns the listed partitions, by topic and partition.
func (l *Losses) PastEnd() []PastEnd {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := slices.Collect(maps.Values(l.pastEnd))
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
