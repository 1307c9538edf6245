package integration

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// takeover is one run of killAndTakeOver (answered_test.go).
type takeover struct {
	replicas bool // two replicas; the survivor takes over
	routing  bool // identity routing on
	// idle: the process stage's last partition gets one event, and nothing else; the kill
	// comes after that partition's refresh is due (more than 5 s later), and the takeover
	// reads its window with ANSWERED_SCAN_MAX_RECORDS=150.
	idle bool
	// trim: after the kill, the results below the first one the takeover must find are
	// deleted, as retention would.
	trim bool
}

// The crash tests with an idle partition: leads saved twice are still only those in flight.
func TestSIGKILLDoesNotRepeatAnsweredLeadsIdlePartition(t *testing.T) {
	killAndTakeOver(t, takeover{idle: true})
}

func TestSIGKILLDoesNotRepeatAnsweredLeadsRoutedIdlePartition(t *testing.T) {
	killAndTakeOver(t, takeover{routing: true, idle: true})
}

func TestSIGKILLAnsweredLeadsMoveToAnotherReplicaIdlePartition(t *testing.T) {
	killAndTakeOver(t, takeover{replicas: true, idle: true})
}

func TestSIGKILLAnsweredLeadsMoveToAnotherReplicaRoutedIdlePartition(t *testing.T) {
	killAndTakeOver(t, takeover{replicas: true, routing: true, idle: true})
}

// The crash tests with the results below the first one the takeover needs deleted.
func TestSIGKILLDoesNotRepeatAnsweredLeadsResultsDeleted(t *testing.T) {
	killAndTakeOver(t, takeover{trim: true})
}

func TestSIGKILLDoesNotRepeatAnsweredLeadsRoutedResultsDeleted(t *testing.T) {
	killAndTakeOver(t, takeover{routing: true, trim: true})
}

func TestSIGKILLAnsweredLeadsMoveToAnotherReplicaResultsDeleted(t *testing.T) {
	killAndTakeOver(t, takeover{replicas: true, trim: true})
}

func TestSIGKILLAnsweredLeadsMoveToAnotherReplicaRoutedResultsDeleted(t *testing.T) {
	killAndTakeOver(t, takeover{replicas: true, routing: true, trim: true})
}

// quietPart is the process stage's partition the idle variant keeps quiet: its last one.
func quietPart(tp topics) int { return tp.Partitions - 1 }

// workload returns a run's n events and, for the idle variant, the quiet partition's one
// event; the n then leave the quiet partition alone.
func (c takeover) workload(t *testing.T, tp topics, n int) (*workload, []event) {
	t.Helper()
	if !c.idle {
		return newWorkload(t, tp, n), nil
	}
	q := quietPart(tp)
	load := newLeadLoad(t, tp)
	if c.routing {
		wl := newWorkloadWhere(t, tp, n, func(v []byte) bool { return routePartition(t, v, tp.Partitions) != q })
		return wl, load.make(t, 1, 0, q)
	}
	rest := tp
	rest.Partitions = q
	return newWorkload(t, rest, n), load.make(t, 1, q, anyRoute)
}

// quietFirst answers the quiet partition's event, then first (the start of the stream),
// and waits until every partition, the quiet one included, has recommitted with positions
// above first's outputs.
func (c takeover) quietFirst(t *testing.T, b *broker, tp topics, out *collector, quiet, first []event, alive ...*workerProc) {
	t.Helper()
	group, topic := tp.Group, tp.Input
	if c.routing {
		group, topic = tp.Group+".route", tp.Route
	}
	produce(t, b, tp.Input, quiet, 30*time.Second)
	out.waitAll(t, IDs(quiet), 60*time.Second, alive...)
	produce(t, b, tp.Input, first, 30*time.Second)
	out.waitAll(t, IDs(first), 60*time.Second, alive...)
	waitPartCommitted(t, b, group, topic, tp.Partitions, -1, alive...)
	// Every partition's positions are fresh, not only the quiet one's: a kill soon after the
	// burst is TestSIGKILLAfterBurstKeepsAnsweredSkip.
	var all []int
	for p := range tp.Partitions {
		all = append(all, p)
	}
	waitRecommitted(t, b, tp, 20*time.Second, group, topic, all...)
}

// hangOne makes the next myKaarma search hang and waits until 20 more outputs were written
// while it hangs: the hung event holds its partition's commit point, and the events after it
// on that partition are answered above it, so that a kill leaves answered work uncommitted.
// It returns the worker of ws (nil ones left out) whose search hangs: the one whose oldest
// event in flight is older than any other call takes.
func (c takeover) hangOne(t *testing.T, fake *mykaarmatest.Server, out *collector, ws ...*workerProc) *workerProc {
	t.Helper()
	n := out.outputs()
	fake.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpSearch, Hang: true, Times: 1})
	var hung *workerProc
	err := testkit.Until(t, 10*time.Second, func() error {
		if got := out.outputs(); fake.Hanging() != 1 || got < n+20 {
			return fmt.Errorf("%d searches hanging, %d outputs since the fault", fake.Hanging(), got-n)
		}
		hung = nil
		for _, w := range ws {
			if w == nil {
				continue
			}
			if w.exited() {
				return testkit.Stop(errors.New(w.name + " exited: " + w.exitStatus()))
			}
			age, err := w.metric(t, "leadworker_oldest_in_flight_seconds")
			if err != nil {
				return err
			}
			if age >= 1 {
				if hung != nil {
					return errors.New("more than one worker has an event in flight for 1 s")
				}
				hung = w
			}
		}
		if hung == nil {
			return errors.New("no worker has had an event in flight for 1 s yet")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("waiting for 20 outputs while a search hangs: %v", err)
	}
	return hung
}

// inputPos is a position on an input topic; routePos one on the route topic.
type (
	inputPos struct {
		topic     string
		partition int
		offset    int64
	}
	routePos struct {
		partition int
		offset    int64
	}
)

// trimBelowNeeded deletes, in every partition of the result topic, the results below the
// first one that answers an event not committed at the kill (the ones the takeover must find),
// or when there is none, every result written before the kill. atKill are the input group's
// commits at the kill, outputs what was written before it. It logs whether that reached into
// the window the commits recorded.
func trimBelowNeeded(t *testing.T, b *broker, tp topics, routing bool, atKill map[int]int64, outputs []output, killed time.Time) {
	t.Helper()
	needed := func(o output) bool {
		return o.Result.Source.Offset >= atKill[o.Result.Source.Partition]
	}
	group, topic := tp.Group, tp.Input
	if routing {
		group, topic = tp.Group+".route", tp.Route
		origins := routeOrigins(t, b, tp)
		rc := committedMeta(t, b, group, topic, tp.Partitions)
		needed = func(o output) bool {
			for _, rp := range origins[inputPos{o.Result.Source.Topic, o.Result.Source.Partition, o.Result.Source.Offset}] {
				if rp.offset >= rc[rp.partition].Offset {
					return true
				}
			}
			return false
		}
	}
	below := make([]int64, tp.Partitions)
	first := make([]int64, tp.Partitions)
	for i := range first {
		first[i] = -1
	}
	for _, o := range outputs {
		if o.Topic != tp.Result || o.Result == nil || !o.Time.Before(killed) {
			continue
		}
		if needed(o) && (first[o.Partition] < 0 || o.Offset < first[o.Partition]) {
			first[o.Partition] = o.Offset
		}
		below[o.Partition] = max(below[o.Partition], o.Offset+1)
	}
	for p, f := range first {
		if f >= 0 {
			below[p] = f
		}
	}
	recorded := make([]int64, tp.Partitions)
	for i := range recorded {
		recorded[i] = -1
	}
	for _, c := range committedMeta(t, b, group, topic, tp.Partitions) {
		for p, o := range metaPositions(c.Metadata)[tp.Result] {
			if p < len(recorded) && (recorded[p] < 0 || o < recorded[p]) {
				recorded[p] = o
			}
		}
	}
	deleteRecordsBelow(t, b, tp.Result, below)
	into := 0
	for p := range below {
		if recorded[p] >= 0 && recorded[p] < below[p] {
			into++
		}
	}
	t.Logf("deleted the results below %v; the commits' windows start at %v: the deletion reaches into %d partitions' windows", below, recorded, into)
}

// routeOrigins reads the route topic to its end now and returns where each input position
// was routed.
func routeOrigins(t *testing.T, b *broker, tp topics) map[inputPos][]routePos {
	t.Helper()
	ends := partitionEnds(t, b, tp.Route, tp.Partitions)
	start := map[int32]kgo.Offset{}
	next := make([]int64, tp.Partitions)
	for p := range ends {
		start[int32(p)] = kgo.NewOffset().AtStart()
	}
	cl := newKgo(t, b, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{tp.Route: start}), kgo.FetchMaxWait(200*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := map[inputPos][]routePos{}
	for {
		done := true
		for p, e := range ends {
			if next[p] < e {
				done = false
			}
		}
		if done {
			return out
		}
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read the route topic to %v: at %v: %v", ends, next, ctx.Err())
		}
		fs.EachRecord(func(r *kgo.Record) {
			next[r.Partition] = max(next[r.Partition], r.Offset+1)
			part, err1 := strconv.Atoi(headerValue(r, "leadworker.route.partition"))
			off, err2 := strconv.ParseInt(headerValue(r, "leadworker.route.offset"), 10, 64)
			if err1 != nil || err2 != nil {
				return
			}
			in := inputPos{headerValue(r, "leadworker.route.topic"), part, off}
			out[in] = append(out[in], routePos{int(r.Partition), r.Offset})
		})
	}
}
