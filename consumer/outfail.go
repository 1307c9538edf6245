package consumer

import (
	"github.com/leadworker/leadworker/recovery"
	"slices"
	"sync"
	"time"
)

// OutputFailure is an input record whose result or dead-letter write keeps
// failing; its partition commits nothing past it until the write succeeds.
type OutputFailure struct {
	Topic     string    // output topic being written
	Input     string    // input topic of the record
	Partition int       // input partition
	Offset    int64     // input offset
	Error     string    // the last write error
	Since     time.Time // the first failed attempt
}

// failing tracks the records whose output write is failing right now.
type failing struct {
	mu sync.Mutex
	m  map[recovery.Origin]*OutputFailure
}

func newFailing() *failing { return &failing{m: make(map[recovery.Origin]*OutputFailure)} }

// fail records a failed attempt for m's output to topic.
func (f *failing) fail(m *Message, topic string, err error, now time.Time) {
	id := originOf(m)
	f.mu.Lock()
	defer f.mu.Unlock()
	if o, ok := f.m[id]; ok {
		o.Topic, o.Error = topic, err.Error()
		return
	}
	f.m[id] = &OutputFailure{Topic: topic, Input: m.Topic, Partition: m.Partition, Offset: m.Offset, Error: err.Error(), Since: now}
}

// clear forgets m: its write succeeded, or the record was given up.
func (f *failing) clear(m *Message) {
	f.mu.Lock()
	delete(f.m, originOf(m))
	f.mu.Unlock()
}

// snapshot returns the failures, oldest first.
func (f *failing) snapshot() []OutputFailure {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.m) == 0 {
		return nil
	}
	out := make([]OutputFailure, 0, len(f.m))
	for _, o := range f.m {
		out = append(out, *o)
	}
	slices.SortFunc(out, func(a, b OutputFailure) int { return a.Since.Compare(b.Since) })
	return out
}
