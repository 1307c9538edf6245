package consumer

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/segmentio/kafka-go"
)

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
	testkit.WaitFor(t, 30*time.Second, "all ten route records committed", func() bool {
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
