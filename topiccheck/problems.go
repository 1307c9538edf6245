package topiccheck

import (
	"fmt"
	"time"

	"github.com/leadworker/leadworker/route"
)

// State is what the broker says of one topic.
type State struct {
	Partitions      int
	CleanupPolicy   string // "" when not reported
	MaxMessageBytes int    // 0 when not reported
	// Retention is the topic's retention.ms: negative keeps records for
	// ever, 0 when not reported.
	Retention time.Duration
}

// Want says what the topics of one consumer must be.
type Want struct {
	All    []string // every topic it reads or writes
	Inputs []string
	DLQ    string
	// Route, Park and Bulk, when set, must allow the largest input; Route
	// and Bulk must have one partition count.
	Route, Park, Bulk string
	// ParkRetention is the least retention.ms of Park.
	ParkRetention time.Duration
	// CoPartitioned must have one partition count.
	CoPartitioned []string
}

// Problems returns what is wrong with the topics as described: each a
// sentence naming the topic and what to change. joined, when not nil, are
// the partition counts the consumer started with.
func Problems(w Want, got map[string]State, joined map[string]int) []string {
	var out []string
	for _, t := range w.All {
		st, ok := got[t]
		if !ok {
			out = append(out, fmt.Sprintf("topic %s does not exist", t))
			continue
		}
		if st.CleanupPolicy != "" && st.CleanupPolicy != "delete" {
			out = append(out, fmt.Sprintf("topic %s has cleanup.policy=%s: leadworker needs cleanup.policy=delete (compaction deletes all but the newest record of a key, and unanswered events with them)", t, st.CleanupPolicy))
		}
		if n, ok := joined[t]; ok && st.Partitions < n {
			out = append(out, fmt.Sprintf("topic %s has %d partitions, %d when leadworker started: it was deleted and created again; restart leadworker once it is as it should be", t, st.Partitions, n))
		}
	}
	input, inTopic := 0, ""
	for _, t := range w.Inputs {
		if got[t].MaxMessageBytes > input {
			input, inTopic = got[t].MaxMessageBytes, t
		}
	}
	if dlq := got[w.DLQ].MaxMessageBytes; dlq > 0 && dlq < input {
		out = append(out, fmt.Sprintf("dead-letter topic %s has max.message.bytes %d, below input topic %s's %d: a large input could never be dead-lettered; raise the dead-letter topic's limit",
			w.DLQ, dlq, inTopic, input))
	}
	for _, t := range []string{w.Route, w.Park, w.Bulk} {
		if lim := got[t].MaxMessageBytes; t != "" && lim > 0 && lim < input {
			out = append(out, fmt.Sprintf("topic %s has max.message.bytes %d, below input topic %s's %d: a large input could never be routed or parked; raise its limit",
				t, lim, inTopic, input))
		}
	}
	if r := got[w.Park].Retention; w.Park != "" && r > 0 && r < w.ParkRetention {
		out = append(out, fmt.Sprintf("parked topic %s has retention.ms %d (%v), below the %v it needs: parked records would be deleted before they are handed back or expire; raise its retention.ms",
			w.Park, r.Milliseconds(), r, w.ParkRetention))
	}
	counts := make(map[string]int, len(got))
	for t, st := range got {
		counts[t] = st.Partitions
	}
	if w.Route != "" && w.Bulk != "" {
		out = append(out, route.CountProblems(counts, []string{w.Route, w.Bulk})...)
	}
	return append(out, route.CountProblems(counts, w.CoPartitioned)...)
}
