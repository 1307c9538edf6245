package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestMyKaarmaOutageLongerThanRetries: myKaarma answers every call with 503
// for five times each event's retry budget (RETRY_MAX_ELAPSED), in the three
// departments that send events during it: the failures span departments, so
// the global circuit opens (one department's would pause that department
// alone), the worker reports not ready, nothing is dead-lettered, and after
// the outage every event ends with a result.
func TestMyKaarmaOutageLongerThanRetries(t *testing.T) {
	if testing.Short() {
		t.Skip("an outage of five RETRY_MAX_ELAPSED (about 25 s in all)")
	}
	const retryMaxElapsed = 2 * time.Second
	const outage = 5 * retryMaxElapsed
	b := newBroker(t)
	tp := newTopics(t, b, 3)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	out := collect(t, b, tp)
	wl := newWorkload(t, tp, 60)
	others := []*workload{newWorkload(t, tp, 10), newWorkload(t, tp, 10)} // two more departments
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{
		"RETRY_INITIAL_INTERVAL":     "100ms",
		"RETRY_MAX_INTERVAL":         "1s",
		"RETRY_MAX_ELAPSED":          retryMaxElapsed.String(),
		"CIRCUIT_PROBE_MAX_INTERVAL": "1s",
	}))
	produce(t, b, tp.Input, wl.Events[:20], 30*time.Second)
	out.waitOutputs(t, 20, 60*time.Second)

	remove := fake.AddFault(mykaarmatest.Fault{Status: http.StatusServiceUnavailable})
	started := time.Now()
	produce(t, b, tp.Input, wl.Events[20:], 30*time.Second)
	ids := IDs(wl.Events)
	for _, o := range others {
		produce(t, b, tp.Input, o.Events, 30*time.Second)
		ids = append(ids, IDs(o.Events)...)
	}
	sawUnready := false
	ctx, cancel := context.WithTimeout(context.Background(), outage)
	for ctx.Err() == nil {
		if r, err := w.readyz(t); err == nil && !r.Ready {
			sawUnready = true
		}
		_ = pause(ctx, 500*time.Millisecond) // the outage's length is the point, not synchronisation
	}
	cancel()
	remove()
	_, dlq := out.snapshot()
	t.Logf("myKaarma down for %v; /readyz reported not ready: %v; dead letters during the outage: %d",
		time.Since(started).Round(time.Second), sawUnready, len(dlq))
	if !sawUnready {
		t.Errorf("/readyz stayed ready through a myKaarma outage of %v; want 503 while the circuit is open", outage)
	}

	tl := out.waitAll(t, ids, 3*time.Minute, w)
	customers := checkCustomers(t, fake, wl.Dept, identities(wl.Events))
	for _, o := range others {
		customers += checkCustomers(t, fake, o.Dept, identities(o.Events))
	}
	logCounts(t, tl, customers)
	if tl.deadLetters != 0 {
		t.Errorf("dead_letters = %d; want 0: an outage for everyone is not an event's fault", tl.deadLetters)
	}
	checkResults(t, out)
}
