package integration

import (
	"sort"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestRebalanceUnderLoad runs two replicas in one group; a third joins and then one leaves with
// SIGTERM while events keep arriving. Nothing is lost and every partition keeps being consumed:
// the events produced after the departure, which cover every partition, all get outputs.
func TestRebalanceUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: streams while replicas come and go (about 7 s)")
	}
	b := newBroker(t)
	tp := newTopics(t, b, 6)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	fake.AddFault(mykaarmatest.Fault{Latency: 10 * time.Millisecond})
	out := collect(t, b, tp)
	wl := newWorkload(t, tp, 200)
	env := workerEnv(b, tp, fake, map[string]string{"MAX_IN_FLIGHT": "4"})
	first, joined, last := wl.Events[:80], wl.Events[80:140], wl.Events[140:]

	a := startWorker(t, "replica-a", env)
	bw := startWorker(t, "replica-b", env)
	produce(t, b, tp.Input, first, 30*time.Second)
	out.waitOutputs(t, 20, 60*time.Second)

	c := startWorker(t, "replica-c", env)
	c.waitReady(t, 60*time.Second, "replica-c to join the group", func(r readyz) bool { return isReady(r) && r.Partitions > 0 })
	produce(t, b, tp.Input, joined, 30*time.Second)
	out.waitOutputs(t, 100, 60*time.Second)

	a.terminate(t, 30*time.Second)
	t.Logf("replica-a left after SIGTERM (%s); %d outputs so far", a.exitStatus(), out.outputs())
	produce(t, b, tp.Input, last, 30*time.Second)

	tl := out.waitAll(t, IDs(wl.Events), 2*time.Minute, bw, c)
	customers := checkCustomers(t, fake, wl.Dept, identities(wl.Events))
	logCounts(t, tl, customers)
	if tl.deadLetters != 0 {
		t.Errorf("dead_letters = %d; want 0", tl.deadLetters)
	}
	checkResults(t, out)

	// Every partition was consumed after replica-a left.
	lastIDs := map[string]bool{}
	for _, e := range last {
		lastIDs[e.ID] = true
	}
	results, _ := out.snapshot()
	parts := map[int]bool{}
	for _, r := range results {
		if lastIDs[r.EventID] {
			parts[r.Result.Source.Partition] = true
		}
	}
	if len(parts) != tp.Partitions {
		var got []int
		for p := range parts {
			got = append(got, p)
		}
		sort.Ints(got)
		t.Errorf("after replica-a left, results came from partitions %v; want all %d", got, tp.Partitions)
	}
	for _, w := range []*workerProc{a, bw, c} {
		t.Logf("%s: processed=%d dead-lettered=%d", w.name, w.count("processed"), w.count("dead-lettered"))
	}
}
