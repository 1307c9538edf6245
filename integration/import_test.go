package integration

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
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

// TestFairShareImport: one worker (MAX_IN_FLIGHT=16, myKaarma answering in 50 ms, 6
// partitions). First live traffic alone at two departments, one event every 250 ms; then an
// import of 2,000 new customers (a customer event and a lead each) at a third department,
// produced at once, with the same live traffic at two other departments while it drains. The
// live events wait (produce to result) p95 at most 3 s and at most 6 s each, part of the import
// goes through the bulk route topic, every event has exactly one output, and no customer is
// created and no lead saved twice.
func TestFairShareImport(t *testing.T) {
	if testing.Short() {
		t.Skip("an import of 2,000 customers beside live traffic (about 60 s)")
	}
	const partitions, customers, live = 6, 2000, 40
	b := newBroker(t)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	fake.AddFault(mykaarmatest.Fault{Latency: 50 * time.Millisecond})
	tp := newTopics(t, b, partitions)
	out := collect(t, b, tp)
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{"MAX_IN_FLIGHT": "16"}))
	waitJoined(t, w, 60*time.Second)

	baseA, baseB := parkWorkload(t, tp, live), parkWorkload(t, tp, live)
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
