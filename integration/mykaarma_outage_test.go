package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestMyKaarmaOutageLongerThanRetries: myKaarma answers every call with 503
// for several times each event's retry budget (RETRY_MAX_ELAPSED, set low
// here; a minute-long outage against the default budget is the same case).
// The circuit opens, the worker reports not ready, events that run out of
// retries wait instead of being dead-lettered, and after the outage every
// event ends with a result.
func TestMyKaarmaOutageLongerThanRetries(t *testing.T) {
	slow(t, "an outage of several retry budgets")
	const (
		retryBudget = time.Second
		outage      = 6 * retryBudget
	)
	b := newBroker(t)
	tp := newTopics(t, b, 3)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	out := collect(t, b, tp)
	wl := newWorkload(t, tp, 60)
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{
		"RETRY_INITIAL_INTERVAL":     "50ms",
		"RETRY_MAX_INTERVAL":         "250ms",
		"RETRY_MAX_ELAPSED":          retryBudget.String(),
		"CIRCUIT_PROBE_MIN_INTERVAL": "200ms",
		"CIRCUIT_PROBE_MAX_INTERVAL": "1s",
	}))
	produce(t, b, tp.Input, wl.Events[:20], 30*time.Second)
	out.waitOutputs(t, 20, 60*time.Second)

	remove := fake.AddFault(mykaarmatest.Fault{Status: http.StatusServiceUnavailable})
	started := time.Now()
	produce(t, b, tp.Input, wl.Events[20:], 30*time.Second)
	sawUnready := false
	ctx, cancel := context.WithTimeout(context.Background(), outage)
	for ctx.Err() == nil {
		if r, err := w.readyz(t); err == nil && !r.Ready {
			sawUnready = true
		}
		_ = pause(ctx, 100*time.Millisecond) // the outage's length is the point, not synchronisation
	}
	cancel()
	outOfRetries := w.count("handler not done, retrying")
	remove()
	_, dlq := out.snapshot()
	t.Logf("myKaarma down for %v (retry budget %v); /readyz reported not ready: %v; events out of retries: %d; dead letters during the outage: %d",
		time.Since(started).Round(100*time.Millisecond), retryBudget, sawUnready, outOfRetries, len(dlq))
	if !sawUnready {
		t.Errorf("/readyz stayed ready through a myKaarma outage of %v; want 503 while the circuit is open", outage)
	}
	if outOfRetries == 0 {
		t.Errorf("no event ran out of its %v of retries during a %v outage; the test proves nothing", retryBudget, outage)
	}

	tl := out.waitAll(t, IDs(wl.Events), time.Minute, w)
	customers := checkCustomers(t, fake, wl.Dept, identities(wl.Events))
	logCounts(t, tl, customers)
	if tl.deadLetters != 0 {
		t.Errorf("dead_letters = %d; want 0: an outage for everyone is not an event's fault", tl.deadLetters)
	}
	checkResults(t, out)
}
