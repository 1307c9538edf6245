package consumer

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestRecentAnswers(t *testing.T) {
	t.Parallel()
	at := func(off int64) origin { return origin{"in", 0, off} }
	a, b := stamp{epoch: 1, sum: [32]byte{1}, hasSum: true}, stamp{epoch: 1, sum: [32]byte{2}, hasSum: true}
	r := newRecentAnswers(2)
	r.add(at(1), a)
	r.add(at(2), a)
	r.add(at(2), a) // again: still two remembered
	if !r.has(at(1), a) || !r.has(at(2), a) || r.has(origin{"in", 1, 1}, a) {
		t.Fatal("has() after two adds is wrong")
	}
	if r.has(at(1), b) {
		t.Error("an origin answered under another value's hash counts as answered")
	}
	if r.has(at(1), stamp{epoch: 2, sum: a.sum, hasSum: true}) {
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

// TestRoutedTwiceAnsweredOnce: a route stage that crashed forwards records
// again; the process stage answers an input record that arrives twice on the
// route topic once, and commits the copy without handling it.
func TestRoutedTwiceAnsweredOnce(t *testing.T) {
	const routeTopic = "leadworker.route"
	_, addr := newCluster(t, 1, routeTopic, outTopic, dlqTopic)
	var msgs []kafka.Message
	for copyN := range 2 {
		for i := range 5 {
			in := Message{Topic: inTopic, Partition: 3, Offset: int64(100 + i), Key: []byte("k" + strconv.Itoa(i)), Value: []byte("v" + strconv.Itoa(i))}
			m := routeMessage(&in, &Route{Key: []byte("rk")}, "g")
			m.Headers = append(m.Headers, kafka.Header{Key: "copy", Value: []byte(strconv.Itoa(copyN))})
			msgs = append(msgs, m)
		}
	}
	produce(t, addr, routeTopic, msgs...)

	var calls atomic.Int32
	opts := baseOptions(addr, "g.route", HandlerFunc(func(_ context.Context, m *Message) (Outcome, error) {
		calls.Add(1)
		return Outcome{Result: m.Value}, nil
	}))
	opts.Topics, opts.Routed = []string{routeTopic}, true
	r := start(t, opts)
	waitFor(t, 30*time.Second, "all ten route records committed", func() bool {
		return committed(t, addr, "g.route", routeTopic)[0] == 10
	})
	if got := calls.Load(); got != 5 {
		t.Errorf("handler calls = %d; want 5 (each input record once)", got)
	}
	if got := len(readAll(t, addr, outTopic, 5, 5*time.Second)); got != 5 {
		t.Errorf("results = %d; want 5", got)
	}
	if got := r.c.Stats().SkippedAnswered; got != 5 {
		t.Errorf("SkippedAnswered = %d; want 5", got)
	}
}

// TestAnsweredOriginSkippedEveryTime: after a crash a route record can come
// twice (redelivered, and routed again by the route stage); when the scan
// found its origin answered, every copy is skipped, not just the first.
func TestAnsweredOriginSkippedEveryTime(t *testing.T) {
	opts := baseOptions("127.0.0.1:1", "g.route", newEcho())
	opts.Topics, opts.Routed = []string{"leadworker.route"}, true
	p := testPartition(t, opts)
	p.rec.scan = &answeredScan{done: make(chan struct{}), found: map[topicPartition]map[int64][]stamp{
		{inTopic, 3}: {100: {{}}}, // an output without a hash: matched by position and epoch
	}}
	close(p.rec.scan.done)
	for i, offset := range []int64{7, 12} {
		r := &record{offset: offset, msg: Message{Topic: inTopic, Partition: 3, Offset: 100, Routed: true}}
		p.wm.add(offset, time.Now())
		if !p.skipAnswered(r) {
			t.Errorf("copy %d of an answered origin was not skipped", i+1)
		}
	}
	other := &record{offset: 13, msg: Message{Topic: inTopic, Partition: 3, Offset: 101, Routed: true}}
	p.wm.add(13, time.Now())
	if p.skipAnswered(other) {
		t.Error("an origin without an output was skipped")
	}
}
