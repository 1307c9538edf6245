package integration

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestSIGKILLDoesNotRepeatAnsweredLeads kills the worker mid-stream and restarts it: events
// answered (output written) before the kill are not sent to myKaarma again, even when their
// offsets were not committed yet. Only events in flight at the kill (lead saved, no output yet)
// may be saved twice.
//
// It runs with identity routing off, where the events a worker answered come from the input
// partitions it owned and the number it must skip can be counted exactly; the Routed variants
// run the same with routing on.
func TestSIGKILLDoesNotRepeatAnsweredLeads(t *testing.T) {
	killAndTakeOver(t, takeover{})
}

// TestSIGKILLDoesNotRepeatAnsweredLeadsRouted: the same with identity routing on. The process
// stage's partitions are route partitions, so which events the dead worker had answered cannot
// be told from the input; any lead saved twice must still have been in flight at the kill.
func TestSIGKILLDoesNotRepeatAnsweredLeadsRouted(t *testing.T) {
	killAndTakeOver(t, takeover{routing: true})
}

// TestSIGKILLAnsweredLeadsMoveToAnotherReplica runs two replicas and kills one: the survivor
// takes over the dead replica's partitions and skips their answered events, reading the same
// commit metadata.
func TestSIGKILLAnsweredLeadsMoveToAnotherReplica(t *testing.T) {
	killAndTakeOver(t, takeover{replicas: true})
}

// TestSIGKILLAnsweredLeadsMoveToAnotherReplicaRouted: the same with identity routing on.
func TestSIGKILLAnsweredLeadsMoveToAnotherReplicaRouted(t *testing.T) {
	killAndTakeOver(t, takeover{replicas: true, routing: true})
}

// killAndTakeOver runs c: 300 events, a SIGKILL mid-stream, and a takeover (crashvariants_test.go
// has the idle and trim variants).
func killAndTakeOver(t *testing.T, c takeover) {
	takeoverTest(t, "a SIGKILL and a takeover (about 13 s)")
	replicas, routing := c.replicas, c.routing
	b := newBroker(t)
	tp := newTopics(t, b, 4)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	// Slow calls, unevenly, so that records finish out of order and the kill lands mid-stream.
	fake.AddFault(mykaarmatest.Fault{Latency: 20 * time.Millisecond})
	out := collect(t, b, tp)
	wl, quiet := c.workload(t, tp, 300)
	all := append(slices.Clone(quiet), wl.Events...)
	// A short read-ahead (2 × MAX_IN_FLIGHT): a partition's commit waits behind a hung call, and
	// a survivor that read far ahead of its own held commits would skip its own answered events
	// after the rebalance too, which this count of the dead worker's leaves out. No bulk route
	// (its threshold would follow the short read-ahead down to 4): the results deleted below
	// are chosen from the route topic's commit windows.
	extra := map[string]string{"MAX_IN_FLIGHT": "4", "MAX_BUFFERED": "8", "BULK_THRESHOLD": "0", "IDENTITY_ROUTING": strconv.FormatBool(routing)}
	if c.idle {
		// The window a stale position of the quiet partition would open (about 300 records)
		// is above this bound; the one fresh positions open (the events after the first 240,
		// with a survivor's outputs until it takes over) is well below it.
		extra["ANSWERED_SCAN_MAX_RECORDS"] = "150"
	}
	if c.idle || c.trim {
		extra["MYKAARMA_TIMEOUT"] = "15s" // the search hung before the kill hangs this long
	}
	env := workerEnv(b, tp, fake, extra)

	first := startWorker(t, "worker-1", env)
	var other *workerProc
	if replicas {
		other = startWorker(t, "replica-2", env)
		waitGroup(t, b, tp.Group, tp.Input, tp.Partitions, 2, 60*time.Second, first, other)
		if routing {
			waitGroup(t, b, tp.Group+".route", tp.Route, tp.Partitions, 2, 60*time.Second, first, other)
		}
	}
	if c.idle {
		alive := []*workerProc{first}
		if other != nil {
			alive = append(alive, other)
		}
		const split = 240 // events answered before the quiet partition's refresh
		c.quietFirst(t, b, tp, out, quiet, wl.Events[:split], alive...)
		produce(t, b, tp.Input, wl.Events[split:], 30*time.Second)
		out.waitOutputs(t, len(quiet)+split+20, 60*time.Second)
	} else {
		produce(t, b, tp.Input, wl.Events, 30*time.Second)
		out.waitOutputs(t, 60, 60*time.Second)
	}
	if c.idle || c.trim {
		// Kill the replica whose search hangs: the other one's answered work is committed
		// when it drains for the takeover, so the skipped events are the killed one's.
		if c.hangOne(t, fake, out, first, other) == other {
			first, other = other, first
		}
	}
	first.kill()
	killed := time.Now() // after the process has exited: every request it sent arrived before

	// What the killed worker left: its partitions, their committed offsets, the outputs and
	// the leads it saved. Read before anyone else can own its partitions. A save that arrived
	// before the kill may be recorded after it, so the leads are told by arrival time.
	owned := partitionsLogged(first)
	atKill := committedOffsets(t, b, tp)
	waitCaughtUp(t, b, tp, out)
	results, dlq := out.snapshot()
	answered := map[string]bool{} // event ids with an output written before the kill
	var wantSkipped int           // of those, from the dead worker's partitions, above the commit
	for _, o := range append(results, dlq...) {
		// A surviving replica goes on writing; what it wrote after the kill answers nothing
		// the dead worker had in flight.
		if o.Time.Before(killed) {
			answered[o.EventID] = true
		}
	}
	for _, o := range results {
		p, off := o.Result.Source.Partition, o.Result.Source.Offset
		if !routing && o.Time.Before(killed) && owned[p] && atKill[p] >= 0 && off >= atKill[p] {
			wantSkipped++
		}
	}
	t.Logf("SIGKILL %s after %d outputs; it owned partitions %v committed at %v; %d answered above the commit",
		first.name, len(answered), sortedKeys(owned), atKill, wantSkipped)
	if c.trim {
		trimBelowNeeded(t, b, tp, routing, atKill, append(results, dlq...), killed)
	}

	next := other
	if !replicas {
		next = startWorker(t, "worker-2", env)
	}
	tl := out.waitAll(t, IDs(all), 2*time.Minute, next)

	// Leads saved before the kill whose event had no output were in flight; read now, when any
	// save that arrived before the kill has long been recorded.
	byLead := leadEvents(t, wl)
	var inFlight []string
	for id := range savedLeadsBefore(fake, killed) {
		// With routing the dead worker's process stage held events of every input partition.
		if e, ok := byLead[id]; ok && (routing || owned[e.Partition]) && !answered[e.ID] {
			inFlight = append(inFlight, id)
		}
	}
	sort.Strings(inFlight)
	t.Logf("%d leads in flight at the kill", len(inFlight))
	customers := checkCustomers(t, fake, wl.Dept, identities(wl.Events))
	logCounts(t, tl, customers)
	checkResults(t, out)
	if tl.deadLetters != 0 {
		t.Errorf("dead_letters = %d; want 0", tl.deadLetters)
	}
	if err := testkit.Until(t, 60*time.Second, func() error {
		if sumCommitted(committedOffsets(t, b, tp)) != int64(len(all)) {
			return errors.New("not every offset committed")
		}
		if got := skippedLogged(next); !routing && got != wantSkipped {
			return errors.New("skipped answered logged " + itoa(got) + "; want " + itoa(wantSkipped))
		}
		return nil
	}); err != nil {
		t.Errorf("after the takeover: %v", err)
	}

	twice := 0
	allowed := map[string]bool{}
	for _, id := range inFlight {
		allowed[id] = true
	}
	for id, n := range savedLeads(fake) {
		if n > 1 {
			twice++
			if !allowed[id] {
				t.Errorf("lead %s saved %d times; it was not in flight at the kill", id, n)
			}
		}
	}
	skipped, _ := next.metric(t, "leadworker_skipped_answered_total")
	t.Logf("leads saved twice: %d (in flight at the kill: %d); skipped as answered: %d logged, %v counted; duplicate outputs: %d",
		twice, len(inFlight), skippedLogged(next), skipped, tl.duplicates)
	if twice > len(inFlight) {
		t.Errorf("%d leads saved twice; want at most the %d in flight at the kill", twice, len(inFlight))
	}
}

// savedLeads counts the fake's successful POST /leads per leadId.
func savedLeads(fake *mykaarmatest.Server) map[string]int {
	return savedLeadsBefore(fake, time.Time{})
}

// savedLeadsBefore is savedLeads counting only requests that arrived before t (all when t is
// zero).
func savedLeadsBefore(fake *mykaarmatest.Server, t time.Time) map[string]int {
	n := map[string]int{}
	for _, r := range fake.Requests() {
		if r.Op != mykaarmatest.OpLead || r.Status != http.StatusOK || (!t.IsZero() && !r.Received.Before(t)) {
			continue
		}
		var l struct {
			LeadID string `json:"leadId"`
		}
		if json.Unmarshal(r.Body, &l) == nil && l.LeadID != "" {
			n[l.LeadID]++
		}
	}
	return n
}

// leadEvents maps each lead event's leadId to its event.
func leadEvents(t *testing.T, wl *workload) map[string]event {
	t.Helper()
	m := map[string]event{}
	for _, e := range wl.Events {
		var v struct {
			Lead *struct {
				LeadID string `json:"leadId"`
			} `json:"lead"`
		}
		if err := json.Unmarshal(e.Value, &v); err != nil {
			t.Fatalf("event %s: %v", e.ID, err)
		}
		if v.Lead != nil {
			m[v.Lead.LeadID] = e
		}
	}
	return m
}

// partitionsLogged returns the input partitions w logged an outcome for.
func partitionsLogged(w *workerProc) map[int]bool {
	m := map[int]bool{}
	for _, l := range w.stderr.lines() {
		if l["msg"] == "processed" || l["msg"] == "dead-lettered" {
			if p, ok := l["partition"].(float64); ok {
				m[int(p)] = true
			}
		}
	}
	return m
}

// skippedLogged sums the counts of w's "skipped answered" log lines.
func skippedLogged(w *workerProc) int {
	n := 0
	for _, l := range w.stderr.lines() {
		if l["msg"] == "skipped answered" {
			if s, ok := l["skipped"].(float64); ok {
				n += int(s)
			}
		}
	}
	return n
}

// committedOffsets returns the group's committed offset per input partition, -1 for none.
func committedOffsets(t *testing.T, b *broker, tp topics) map[int]int64 {
	t.Helper()
	ids := make([]int, tp.Partitions)
	for i := range ids {
		ids[i] = i
	}
	c := &kafka.Client{Addr: kafka.TCP(b.addrs...), Timeout: 10 * time.Second}
	res, err := c.OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{GroupID: tp.Group, Topics: map[string][]int{tp.Input: ids}})
	if err != nil {
		t.Fatalf("offset fetch: %v", err)
	}
	out := map[int]int64{}
	for _, p := range res.Topics[tp.Input] {
		out[p.Partition] = p.CommittedOffset
	}
	return out
}

func sumCommitted(m map[int]int64) int64 {
	var s int64
	for _, v := range m {
		s += max(v, 0)
	}
	return s
}

// waitCaughtUp waits until the collector has read every output record that exists now.
func waitCaughtUp(t *testing.T, b *broker, tp topics, out *collector) {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(b.addrs...), Timeout: 10 * time.Second}
	req := map[string][]kafka.OffsetRequest{}
	for _, topic := range []string{tp.Result, tp.DLQ} {
		for p := range tp.Partitions {
			req[topic] = append(req[topic], kafka.LastOffsetOf(p))
		}
	}
	res, err := c.ListOffsets(context.Background(), &kafka.ListOffsetsRequest{Topics: req})
	if err != nil {
		t.Fatalf("list offsets: %v", err)
	}
	type tpart struct {
		topic string
		part  int
	}
	ends := map[tpart]int64{}
	for topic, ps := range res.Topics {
		for _, p := range ps {
			if p.Error != nil {
				t.Fatalf("end offset of %s/%d: %v", topic, p.Partition, p.Error)
			}
			ends[tpart{topic, p.Partition}] = p.LastOffset
		}
	}
	if err := testkit.Until(t, 30*time.Second, func() error {
		results, dlq := out.snapshot()
		read := map[tpart]int64{}
		for _, o := range append(results, dlq...) {
			read[tpart{o.Topic, o.Partition}] = max(read[tpart{o.Topic, o.Partition}], o.Offset+1)
		}
		for k, end := range ends {
			if read[k] < end {
				return errors.New("collector behind on " + k.topic + "/" + itoa(k.part))
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func sortedKeys(m map[int]bool) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
