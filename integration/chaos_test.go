package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestMyKaarmaFaults runs a stream through a myKaarma that fails 30% of calls with 5xx, answers
// bursts of 429 with Retry-After: 1, hangs some calls past MYKAARMA_TIMEOUT and drops some
// creates and updates after applying them. Every event still ends with a result, and no
// customer is created twice.
func TestMyKaarmaFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: about a minute of faults")
	}
	b := newBroker(t)
	tp := newTopics(t, b, 3)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{Seed: 42})
	for _, f := range []mykaarmatest.Fault{
		{Op: mykaarmatest.OpSearch, Hang: true, Probability: 0.05},
		{Op: mykaarmatest.OpCreate, DropAfterApply: true, Probability: 0.25},
		{Op: mykaarmatest.OpUpdate, DropAfterApply: true, Probability: 0.1},
		{Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 15},
		{Status: http.StatusServiceUnavailable, Probability: 0.3},
	} {
		fake.AddFault(f)
	}
	out := collect(t, b, tp)
	wl := newWorkload(t, tp, 100)
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{
		"MYKAARMA_TIMEOUT":       "1s",
		"RETRY_INITIAL_INTERVAL": "50ms",
		"RETRY_MAX_INTERVAL":     "1s",
		"RETRY_MAX_ELAPSED":      "2m",
	}))
	produce(t, b, tp.Input, wl.Events[:50], 30*time.Second)
	out.waitOutputs(t, 10, 90*time.Second)
	// A second burst of 429s mid-stream.
	fake.AddFault(mykaarmatest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 15})
	produce(t, b, tp.Input, wl.Events[50:], 30*time.Second)

	tl := out.waitAll(t, IDs(wl.Events), 4*time.Minute, w)
	customers := checkCustomers(t, fake, wl.Dept, identities(wl.Events))
	logCounts(t, tl, customers)
	if tl.deadLetters != 0 {
		_, dlq := out.snapshot()
		t.Errorf("dead_letters = %d; want 0 (first: event %s class %s: %s)", tl.deadLetters,
			dlq[0].EventID, dlq[0].Headers["error.class"], dlq[0].Headers["error.message"])
	}
	checkResults(t, out)

	byStatus := map[int]int{}
	for _, r := range fake.Requests() {
		byStatus[r.Status]++
	}
	t.Logf("myKaarma answers by status (0 = hung or dropped): %v", byStatus)
	for _, s := range []int{0, http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		if byStatus[s] == 0 {
			t.Errorf("no request was answered %d; the faults did not apply", s)
		}
	}
}
