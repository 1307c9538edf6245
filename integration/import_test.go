package integration

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/schemas"
)

// Fair share, from the outside: a department importing thousands of new customers at once and
// two departments with live traffic, one event every 250 ms. The route stage sends the import
// past its first BULK_THRESHOLD events to the bulk route topic, where the process stage serves
// it with the slots the live events leave free: the live events wait seconds at most, the
// import completes, and nothing is created or saved twice.

// liveEvery is how often a live event is produced.
const liveEvery = 250 * time.Millisecond

// produceLive produces evs one at a time, one every liveEvery, and returns when each was
// produced (just before its write), by event id.
func produceLive(t *testing.T, b *broker, topic string, evs []event) map[string]time.Time {
	t.Helper()
	sent := make(map[string]time.Time, len(evs))
	tick := time.NewTicker(liveEvery) // pacing the producer, not waiting on the worker
	defer tick.Stop()
	for i, e := range evs {
		if i > 0 {
			<-tick.C
		}
		sent[e.ID] = time.Now()
		produce(t, b, topic, []event{e}, 30*time.Second)
	}
	return sent
}

// liveWaits returns the sorted waits, produce to output record, of the events in sent.
func liveWaits(t *testing.T, out *collector, sent map[string]time.Time) []time.Duration {
	t.Helper()
	results, dlq := out.snapshot()
	var waits []time.Duration
	seen := map[string]bool{}
	for _, o := range append(results, dlq...) {
		if at, ok := sent[o.EventID]; ok && !seen[o.EventID] {
			seen[o.EventID] = true
			waits = append(waits, o.Time.Sub(at))
		}
	}
	slices.Sort(waits)
	return waits
}

// waitAt is the q-quantile of sorted waits (nearest rank).
func waitAt(waits []time.Duration, q float64) time.Duration {
	if len(waits) == 0 {
		return 0
	}
	i := int(q*float64(len(waits))+0.999999) - 1
	return waits[min(max(i, 0), len(waits)-1)]
}

// TestFairShareImport: one worker (MAX_IN_FLIGHT=32, myKaarma answering in 50 ms, 6
// partitions). First live traffic alone at two departments, one event every 250 ms; then an
// import of 2,000 new customers (a customer event and a lead each) at a third department,
// produced at once, with the same live traffic at two other departments while it drains. The
// live events wait (produce to result) p95 at most 3 s and at most 6 s each, part of the import
// goes through the bulk route topic, every event has exactly one output, and no customer is
// created and no lead saved twice.
func TestFairShareImport(t *testing.T) {
	if testing.Short() {
		t.Skip("an import of 2,000 customers beside live traffic (about 45 s)")
	}
	const partitions, customers, live = 6, 2000, 40
	b := newBroker(t)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	fake.AddFault(mykaarmatest.Fault{Latency: 50 * time.Millisecond})
	tp := newTopics(t, b, partitions)
	out := collect(t, b, tp)
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{"MAX_IN_FLIGHT": "32"}))
	waitJoined(t, w, 60*time.Second)

	baseA, baseB := parkWorkload(t, tp, live/2), parkWorkload(t, tp, live/2)
	alone := produceLive(t, b, tp.Input, interleave(baseA, baseB))
	out.waitAll(t, allIDs(baseA, baseB), 60*time.Second, w)
	base := liveWaits(t, out, alone)

	imp, liveA, liveB := parkWorkload(t, tp, 2*customers), parkWorkload(t, tp, live), parkWorkload(t, tp, live)
	start := time.Now()
	produce(t, b, tp.Input, imp.Events, 60*time.Second)
	during := produceLive(t, b, tp.Input, interleave(liveA, liveB))
	out.waitAll(t, allIDs(imp, liveA, liveB), 3*time.Minute, w)
	drained := time.Since(start)
	waits := liveWaits(t, out, during)

	t.Logf("live alone: wait p50 %v, p95 %v, max %v (%d events)", waitAt(base, .5), waitAt(base, .95), waitAt(base, 1), len(base))
	t.Logf("live during the import: wait p50 %v, p95 %v, max %v (%d events); the import drained in %v",
		waitAt(waits, .5), waitAt(waits, .95), waitAt(waits, 1), len(waits), drained.Round(time.Millisecond))
	if len(waits) != len(during) {
		t.Fatalf("%d live events answered; want %d", len(waits), len(during))
	}
	if p95, worst := waitAt(waits, .95), waitAt(waits, 1); p95 > 3*time.Second || worst > 6*time.Second {
		t.Errorf("live events waited p95 %v, max %v during the import; want at most 3 s and 6 s", p95, worst)
	}
	var bulk int64
	for _, end := range partitionEnds(t, b, tp.Group+".route.bulk", partitions) {
		bulk += end
	}
	if bulk == 0 || bulk >= int64(len(imp.Events)) {
		t.Errorf("%d records on the bulk route topic; want part of the import's %d (past BULK_THRESHOLD)", bulk, len(imp.Events))
	}
	t.Logf("%d of the import's %d events took the bulk route", bulk, len(imp.Events))

	all := allIDs(baseA, baseB, imp, liveA, liveB)
	tl := checkOnce(t, out, all)
	created := checkCustomersOnce(t, fake, baseA, baseB, imp, liveA, liveB)
	logCounts(t, tl, created)
	checkIdentityOrder(t, out, baseA, baseB, imp, liveA, liveB)
	if twice := leadsTwice(t, fake, baseA, baseB, imp, liveA, liveB); len(twice) > 0 {
		t.Errorf("%d leads saved twice (%s); want none", len(twice), strings.Join(head(twice, 5), ", "))
	}
}

// TestImportSurvivesRebalanceAndKill: an import of 1,500 new customers at one department and
// live traffic at another, on one worker; a second worker joins while the import drains (a
// rebalance of both stages, the bulk route topic's partitions moving with the route and
// parked topics'), then the first is killed with SIGKILL and a third takes its place. Every
// event has exactly one output, no customer is created twice, and only a lead in flight at
// the kill (saved, no output yet) may be saved twice.
func TestImportSurvivesRebalanceAndKill(t *testing.T) {
	takeoverTest(t, "a rebalance and a SIGKILL during an import (about 60 s)")
	const partitions, customers = 6, 1500
	b := newBroker(t)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	fake.AddFault(mykaarmatest.Fault{Latency: 50 * time.Millisecond})
	tp := newTopics(t, b, partitions)
	out := collect(t, b, tp)
	bulk := collectRaw(t, b, tp.Group+".route.bulk")
	imp, live := parkWorkload(t, tp, 2*customers), parkWorkload(t, tp, 200)
	env := workerEnv(b, tp, fake, map[string]string{"MAX_IN_FLIGHT": "16"})

	w1 := startWorker(t, "worker-1", env)
	waitJoined(t, w1, 60*time.Second)
	produce(t, b, tp.Input, imp.Events, 60*time.Second)
	produce(t, b, tp.Input, live.Events, 60*time.Second)
	answered := func(n int, ws ...*workerProc) {
		t.Helper()
		if err := testkit.Until(t, 90*time.Second, func() error {
			for _, w := range ws {
				if w.exited() {
					return testkit.Stop(errors.New(w.name + " exited: " + w.exitStatus()))
				}
			}
			if got := len(imp.Events) - len(out.tally(IDs(imp.Events)).missing); got < n {
				return fmt.Errorf("%d of the import's events answered", got)
			}
			if len(bulk.records(tp.Group+".route.bulk")) == 0 {
				return errors.New("nothing on the bulk route topic yet")
			}
			return nil
		}); err != nil {
			t.Fatalf("waiting for %d of the import's events to be answered: %v", n, err)
		}
	}
	answered(len(imp.Events)/5, w1)
	w2 := startWorker(t, "worker-2", env)
	waitJoined(t, w2, 60*time.Second)
	waitAligned(t, b, tp.Group+".route", tp, 2, w1, w2)
	answered(len(imp.Events)/2, w1, w2)
	killed := time.Now()
	w1.kill()
	atKill := out.tally(allIDs(imp, live)).byID
	t.Logf("SIGKILL worker-1 with %d outputs, %d records on the bulk route topic", out.outputs(), len(bulk.records(tp.Group+".route.bulk")))

	w3 := startWorker(t, "worker-3", env)
	all := allIDs(imp, live)
	out.waitAll(t, all, 3*time.Minute, w2, w3)
	waitStagesCommitted(t, b, tp, true, 60*time.Second, w2, w3)
	tl := out.tally(all)
	created := checkCustomersOnce(t, fake, imp, live)
	logCounts(t, tl, created)
	if tl.deadLetters != 0 {
		t.Errorf("dead_letters = %d; want 0", tl.deadLetters)
	}
	missing := 0
	for _, id := range all {
		if tl.byID[id] == 0 {
			missing++
		}
	}
	if missing != 0 {
		t.Errorf("%d events without an output; want none", missing)
	}
	checkResults(t, out)
	// Read now, when any save that arrived before the kill has long been recorded.
	inFlight := leadsInFlight(t, fake, atKill, killed, imp, live)
	twice := leadsTwice(t, fake, imp, live)
	t.Logf("leads saved twice: %d (in flight at the kill: %d)", len(twice), len(inFlight))
	for _, id := range twice {
		if !slices.Contains(inFlight, id) {
			t.Errorf("lead %s saved twice; it was not in flight at the kill", id)
		}
	}
}

// TestOneCustomerAcrossRoutes: a customer's first event goes to the route topic; once its
// route is forgotten (BULK_WINDOW after it), its department floods the route stage and the
// customer's lead goes to the bulk route topic behind the flood. The customer is created once,
// and every event has exactly one output.
func TestOneCustomerAcrossRoutes(t *testing.T) {
	if testing.Short() {
		t.Skip("a department flooding the route stage (about 20 s)")
	}
	t.Parallel()
	const partitions, window = 3, time.Second
	b := newBroker(t)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	fake.AddFault(mykaarmatest.Fault{Latency: 100 * time.Millisecond})
	tp := newTopics(t, b, partitions)
	out := collect(t, b, tp)
	bulk := collectRaw(t, b, tp.Group+".route.bulk")
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{
		"MAX_IN_FLIGHT": "2", "MAX_BUFFERED": "100", "BULK_THRESHOLD": "30", "BULK_WINDOW": window.String(),
	}))
	waitJoined(t, w, 60*time.Second)

	const before, flood = 20, 120
	wl := parkWorkload(t, tp, 2*(1+before+flood)) // pairs: a customer event, then its lead
	x := wl.Events[0:2]                           // the customer in both routes
	var first, burst []event
	for i := 1; i <= before; i++ {
		first = append(first, wl.Events[2*i]) // customer events of new customers: below the threshold
	}
	first = append(first, x[0])
	for i := before + 1; i <= before+flood; i++ {
		burst = append(burst, wl.Events[2*i]) // far past the threshold
	}
	burst = append(burst, x[1]) // behind the others of its partition: past the threshold too
	produce(t, b, tp.Input, first, 30*time.Second)
	// The route stage remembers an identity's route for BULK_WINDOW after its last event, and
	// the department's count covers the same window: the flood comes after both have passed.
	time.Sleep(window + window/2)
	produce(t, b, tp.Input, burst, 30*time.Second)

	ids := append(IDs(first), IDs(burst)...)
	out.waitAll(t, ids, 2*time.Minute, w)
	checkOnce(t, out, ids)
	if n := checkCustomers(t, fake, wl.Dept, identities(append(slices.Clone(first), burst...))); n != 1+before+flood {
		t.Errorf("%d customers in the department; want %d", n, 1+before+flood)
	}
	viaBulk := map[string]bool{}
	for _, r := range bulk.records(tp.Group + ".route.bulk") {
		viaBulk[schemas.PeekEventID(r.Value)] = true
	}
	if viaBulk[x[0].ID] || !viaBulk[x[1].ID] {
		t.Errorf("customer %s: its customer event on the bulk route %v, its lead %v; want the lead only", x[0].Identity, viaBulk[x[0].ID], viaBulk[x[1].ID])
	}
	t.Logf("%d of %d events took the bulk route", len(viaBulk), len(ids))
}
