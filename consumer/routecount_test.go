package consumer

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/segmentio/kafka-go"
)

// routeKeyHandler routes every record keyed by its value's first byte, so
// that records of one "identity" share a key.
type routeKeyHandler struct{}

func (routeKeyHandler) Handle(_ context.Context, m *Message) (Outcome, error) {
	return Outcome{Route: &Route{Key: m.Value[:1]}}, nil
}

// When the route topic gains partitions while both stages run, routing is
// held until the process stage has committed the old partitions, the
// process stage joins again to own the new ones, and every event is
// answered: none is stranded on a partition nobody reads.
func TestRoutePartitionsAddedWhileRunning(t *testing.T) {
	t.Parallel()
	const routeTopic, processGroup = "leadworker.route", "g-grow.route"
	addr := newBareCluster(t)
	createTopic(t, addr, inTopic, 2, nil)
	createTopic(t, addr, routeTopic, 2, nil)
	createTopic(t, addr, outTopic, 2, nil)
	createTopic(t, addr, dlqTopic, 2, nil)

	router := baseOptions(addr, "g-grow", routeKeyHandler{})
	router.RouteTopic, router.RouteGroup = routeTopic, processGroup
	router.TopicCheckInterval = 100 * time.Millisecond
	rs := start(t, router)

	var mu sync.Mutex
	seen := map[string]int{}
	process := baseOptions(addr, processGroup, HandlerFunc(func(_ context.Context, m *Message) (Outcome, error) {
		mu.Lock()
		seen[string(m.Value)]++
		mu.Unlock()
		return Outcome{Result: m.Value}, nil
	}))
	process.Topics, process.Routed = []string{routeTopic}, true
	process.TopicCheckInterval = 100 * time.Millisecond
	ps := start(t, process)
	testkit.WaitFor(t, 30*time.Second, "both stages joined", func() bool { return rs.c.Joined() && ps.c.Joined() })

	send := func(from, n int) {
		msgs := make([]kafka.Message, n)
		for i := range msgs {
			v := string(rune('a'+i%26)) + strconv.Itoa(from+i)
			msgs[i] = kafka.Message{Key: []byte(v), Value: []byte(v)}
		}
		produce(t, addr, inTopic, msgs...)
	}
	answered := func(n int) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(seen) >= n
		}
	}
	send(0, 40)
	testkit.WaitFor(t, 30*time.Second, "40 answered", answered(40))
	addPartitions(t, addr, routeTopic, 6)
	testkit.WaitFor(t, 10*time.Second, "routing held", func() bool { return rs.c.Stats().RouteHeld })
	send(40, 60)
	testkit.WaitFor(t, 60*time.Second, "100 answered", answered(100))
	if rs.c.Stats().RouteHeld || rs.c.route.N() != 6 {
		t.Errorf("after the change: held %v, count %d; want routing over 6 partitions", rs.c.Stats().RouteHeld, rs.c.route.N())
	}
	mu.Lock()
	for v, n := range seen {
		if n != 1 {
			t.Errorf("event %s handled %d times; want once", v, n)
		}
	}
	mu.Unlock()
	rs.stop(t)
	ps.stop(t)
}
