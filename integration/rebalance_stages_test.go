package integration

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/segmentio/kafka-go"
)

// TestRebalanceWithTwoStages runs two replicas with identity routing while twin customers
// stream in; a third replica joins, then one leaves with SIGTERM, each time while both stages
// hold uncommitted work (the route stage on the input topic, the process stage on the route
// topic, slowed by myKaarma latency). Nothing is lost, no customer is created twice and nothing
// is dead-lettered.
func TestRebalanceWithTwoStages(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: streams while replicas come and go (about 8 s)")
	}
	rs := startReplicas(t, true, 10*time.Millisecond, map[string]string{"MAX_IN_FLIGHT": "4"})
	pool := newTwins(t, 4000, 2400, rs.tp.Partitions, func(int, int) int { return -1 })
	st := streamTwins(rs, pool.Events, 4, 50*time.Millisecond)
	t.Cleanup(func() { st.stop() })

	rs.out.waitOutputs(t, 20, 60*time.Second)
	rs.waitBothStagesBusy(t, "replica-c joins", 30*time.Second)
	c := startWorker(t, "replica-c", rs.env)
	waitJoined(t, c, 60*time.Second)
	rs.waitGroups(t, 3, 60*time.Second, rs.a, rs.b2, c)
	t.Logf("replica-c joined both groups; %d outputs so far", rs.out.outputs())

	rs.waitBothStagesBusy(t, "replica-a leaves", 30*time.Second)
	rs.a.terminate(t, 30*time.Second)
	rs.waitGroups(t, 2, 60*time.Second, rs.b2, c)
	n := rs.out.outputs()
	rs.out.waitOutputs(t, n+40, 60*time.Second)
	t.Logf("replica-a left after SIGTERM (%s); %d outputs so far", rs.a.exitStatus(), rs.out.outputs())

	evs, err := st.stop()
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	ids := IDs(evs)
	rs.out.waitAll(t, ids, 60*time.Second, rs.b2, c)
	rs.waitCommitted(t, 60*time.Second, rs.b2, c)
	tl := rs.out.tally(ids)
	twice := createdTwice(t, rs.fake, pool.Dept, evs)
	logCounts(t, tl, len(rs.fake.Customers(pool.Dept)))
	if len(twice) > 0 {
		t.Errorf("%d of %d customers created more than once: %v", len(twice), len(evs)/2, head(twice, 10))
	}
	if tl.deadLetters != 0 {
		t.Errorf("dead_letters = %d; want 0", tl.deadLetters)
	}
	checkResults(t, rs.out)
	busy := 0
	for _, w := range []*workerProc{rs.a, rs.b2, c} {
		d := busyDrains(w)
		busy += d["process"]
		t.Logf("%s: processed=%d drains with work in flight: %v", w.name, w.count("processed"), d)
	}
	if busy == 0 {
		t.Errorf("no process stage gave up a partition with work in flight; the rebalances met no in-flight work")
	}
}

// waitBothStagesBusy waits until both stages' groups have uncommitted records at once: the
// route stage on the input topic and the process stage on the route topic.
func (rs *replicas) waitBothStagesBusy(t *testing.T, before string, timeout time.Duration) {
	t.Helper()
	var in, routed int64
	err := testkit.Until(t, timeout, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var err error
		if in, err = groupLag(ctx, rs.b, rs.tp.Group, rs.tp.Input, rs.tp.Partitions); err != nil {
			return err
		}
		if routed, err = groupLag(ctx, rs.b, rs.tp.Group+".route", rs.tp.Route, rs.tp.Partitions); err != nil {
			return err
		}
		if in == 0 || routed == 0 {
			return fmt.Errorf("uncommitted: %d on the input topic, %d on the route topic", in, routed)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("before %s, waiting for work in both stages: %v", before, err)
	}
	t.Logf("before %s: %d records uncommitted on the input topic, %d on the route topic", before, in, routed)
}

// busyDrains counts w's "draining partition" log lines that had records in flight, by stage.
func busyDrains(w *workerProc) map[string]int {
	n := map[string]int{}
	for _, l := range w.stderr.lines() {
		if f, _ := l["in_flight"].(float64); l["msg"] == "draining partition" && f > 0 {
			s, _ := l["stage"].(string)
			n[s]++
		}
	}
	return n
}

// twinStream produces events to the input topic, per records at a time every interval, until
// stopped or out of events. A batch being written when stop is called is finished first, so
// that every event counted as sent was acknowledged and no unacknowledged one was written.
type twinStream struct {
	stopc chan struct{}
	done  chan struct{}
	once  sync.Once
	evs   []event
	// set before done is closed
	sent int
	err  error
}

// streamTwins starts producing evs to rs's input topic; stop ends it.
func streamTwins(rs *replicas, evs []event, per int, interval time.Duration) *twinStream {
	st := &twinStream{stopc: make(chan struct{}), done: make(chan struct{}), evs: evs}
	go func() {
		defer close(st.done)
		w, closeW := murmur2Writer(rs.b, rs.tp.Input)
		defer closeW()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for st.sent < len(evs) {
			select {
			case <-st.stopc:
				return
			case <-tick.C:
			}
			batch := evs[st.sent:min(st.sent+per, len(evs))]
			if err := writeRetrying(w, batch, 30*time.Second); err != nil {
				// The batch may have been written in part: it counts as sent, so that a loss
				// is not hidden; the test fails on st.err anyway.
				st.err = err
				st.sent += len(batch)
				return
			}
			st.sent += len(batch)
		}
	}()
	return st
}

// writeRetrying writes evs with w until it succeeds or timeout passes.
func writeRetrying(w *kafka.Writer, evs []event, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		err := w.WriteMessages(ctx, records(evs)...)
		if err == nil {
			return nil
		}
		if pause(ctx, 200*time.Millisecond) != nil {
			return fmt.Errorf("produce %d records to %s: %w", len(evs), w.Topic, err)
		}
	}
}

// stop ends the stream and returns the events it produced, in twin pairs.
func (st *twinStream) stop() ([]event, error) {
	st.once.Do(func() { close(st.stopc) })
	<-st.done
	if st.err == nil && st.sent == len(st.evs) {
		return st.evs, errors.New("the stream ran out of events before it was stopped")
	}
	return st.evs[:st.sent], st.err
}
