package recovery

import "testing"

func TestRecentAnswers(t *testing.T) {
	t.Parallel()
	at := func(off int64) Origin { return Origin{"in", 0, off} }
	a, b := Stamp{epoch: 1, sum: [32]byte{1}, hasSum: true}, Stamp{epoch: 1, sum: [32]byte{2}, hasSum: true}
	r := newRecentAnswers(2)
	r.add(at(1), a)
	r.add(at(2), a)
	r.add(at(2), a) // again: still two remembered
	if !r.has(at(1), a) || !r.has(at(2), a) || r.has(Origin{"in", 1, 1}, a) {
		t.Fatal("has() after two adds is wrong")
	}
	if r.has(at(1), b) {
		t.Error("an origin answered under another value's hash counts as answered")
	}
	if r.has(at(1), Stamp{epoch: 2, sum: a.sum, hasSum: true}) {
		t.Error("an origin answered in another epoch counts as answered")
	}
	r.add(at(3), a)
	if r.has(at(1), a) || !r.has(at(3), a) || r.holds(at(1)) {
		t.Error("the oldest origin was not forgotten first")
	}
	var none *recentAnswers
	none.add(at(1), a)
	if none.has(at(1), a) || none.holds(at(1)) {
		t.Error("a nil set remembered something")
	}
}

// TestAnsweredOriginSkippedEveryTime: after a crash a route record can come
// twice (redelivered, and routed again by the route stage); when the scan
// found its origin answered, every copy is skipped, not just the first. A
// record of the same position with another value is not.
func TestAnsweredOriginSkippedEveryTime(t *testing.T) {
	r := New(Options{GroupID: "g.route", Outputs: []string{"leadworker.results", "leadworker.dlq"}, Routed: true})
	scan := &Scan{r: r, done: make(chan struct{}), found: map[topicPartition]map[int64][]Stamp{
		{"crm.events", 3}: {100: {NewStamp(0, []byte("real"))}},
	}}
	close(scan.done)
	p := &Partition{r: r, scan: scan, log: r.log}
	at := Origin{"crm.events", 3, 100}
	stamp := func(v string) func() Stamp { return func() Stamp { return NewStamp(0, []byte(v)) } }
	if p.Skip(at, stamp("forged")) {
		t.Error("a record of an answered position with another value was skipped")
	}
	for i := range 2 {
		if !p.Skip(at, stamp("real")) {
			t.Errorf("copy %d of an answered origin was not skipped", i+1)
		}
	}
	if p.Skip(Origin{"crm.events", 3, 101}, stamp("real")) {
		t.Error("an origin without an output was skipped")
	}
	legacy := &Scan{r: r, done: make(chan struct{}), found: map[topicPartition]map[int64][]Stamp{
		{"crm.events", 3}: {200: {{}}}, // an output without a hash: matched by position and epoch
	}}
	if !(&Partition{r: r, scan: legacy, log: r.log}).Skip(Origin{"crm.events", 3, 200}, stamp("any")) {
		t.Error("an output of a version without hashes did not match its position")
	}
}
