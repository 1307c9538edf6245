package worker_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/sandbox"
	"github.com/leadworker/leadworker/schemas"
	"github.com/leadworker/leadworker/worker"
)

// TestCircuitOutageLosesNothing: myKaarma answers 503 to everything, in
// every department, for a while. The circuit opens, work pauses, events that ran out of retries are
// not dead-lettered; after the fault clears every event gets its result. The
// metrics scraped afterwards count exactly that workload.
func TestCircuitOutageLosesNothing(t *testing.T) {
	p := startPipeline(t, func(c *worker.Config) {
		c.Guards.Circuit = guard.CircuitOptions{Consecutive: 5, MinEvents: 2, WindowCalls: 20}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// A healthy start: the metrics must count these too.
	warm := leadEvents(t, "warm", 3)
	if err := sandbox.Produce(ctx, p.cfg, warm); err != nil {
		t.Fatal(err)
	}
	if err := p.outputs.WaitFor(ctx, len(warm), nil); err != nil {
		t.Fatal(err)
	}

	remove := p.fake.AddFault(mykaarmatest.Fault{Status: http.StatusServiceUnavailable})
	// The outage is myKaarma's, not one department's: it hits three.
	events, _ := inDepartments(t, leadEvents(t, "outage", 8), "dept-a", "dept-b", "dept-c")
	if err := sandbox.Produce(ctx, p.cfg, events); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 20*time.Second, "the circuit to open", p.circuitOpen(t))
	if got := p.readyz(t); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage = %d; want 503", got)
	}
	if f := p.scrape(t); sum(f, "leadworker_ready", map[string]string{"reason": "paused"}) != 1 || sum(f, "leadworker_ready", nil) != 1 {
		t.Errorf("leadworker_ready during the outage = %v; want reason=paused alone at 1", f["leadworker_ready"])
	}
	// Wait until events have run out of retries while the circuit was open.
	testkit.WaitFor(t, 20*time.Second, "an event to be retried later instead of dead-lettered", func() bool {
		return p.logged("handler not done")
	})
	remove()

	total := len(warm) + len(events)
	if err := p.outputs.WaitFor(ctx, total, nil); err != nil {
		t.Fatal(err)
	}
	results, dead := p.outputs.Snapshot()
	if len(dead) != 0 {
		t.Errorf("dead letters = %d; want none from an outage", len(dead))
	}
	got := map[string]bool{}
	for _, m := range results {
		var r schemas.Result
		if err := json.Unmarshal(m.Value, &r); err != nil {
			t.Fatal(err)
		}
		if r.Outcome != schemas.OutcomeQueued {
			t.Errorf("%s: outcome %s; want QUEUED", r.EventID, r.Outcome)
		}
		got[r.EventID] = true
	}
	for _, e := range append(warm, events...) {
		if !got[e.Key] {
			t.Errorf("event %s has no result", e.Key)
		}
	}
	testkit.WaitFor(t, 10*time.Second, "the circuit to close", func() bool { return !p.circuitOpen(t)() })
	if got := p.readyz(t); got != http.StatusOK {
		t.Errorf("/readyz after recovery = %d; want 200", got)
	}
	if f := p.scrape(t); sum(f, "leadworker_ready", map[string]string{"reason": "ok"}) != 1 || sum(f, "leadworker_ready", nil) != 1 {
		t.Errorf("leadworker_ready after recovery = %v; want reason=ok alone at 1", f["leadworker_ready"])
	}
	if !p.logged("circuit open") || !p.logged("circuit closed") {
		t.Error("want one log line on open and one on close")
	}

	// Redelivery may finish an event twice; the metrics count finished
	// outputs. An output is acknowledged (and read here) before the observer
	// counts it, so wait for the counters to catch up.
	want := float64(len(results))
	var fams map[string][]metricSample
	testkit.WaitFor(t, 10*time.Second, "the metrics to count every result", func() bool {
		fams = p.scrape(t)
		return sum(fams, "leadworker_events_total", map[string]string{"outcome": "QUEUED", "rule": "none"}) == want &&
			sum(fams, "leadworker_event_duration_seconds", nil) == want &&
			sum(fams, "leadworker_mykaarma_requests_total", map[string]string{"endpoint": "lead", "status": "200"}) == want
	})
	if got := sum(fams, "leadworker_dead_letters_total", nil); got != 0 {
		t.Errorf("leadworker_dead_letters_total = %v; want 0", got)
	}
	if got := sum(fams, "leadworker_mykaarma_requests_total", map[string]string{"endpoint": "search", "status": "503"}); got == 0 {
		t.Error("no search answered 503 was counted")
	}
	// Every result was read, and a handler slot is released before the result is written.
	if got := sum(fams, "leadworker_in_flight", nil); got != 0 {
		t.Errorf("leadworker_in_flight = %v after recovery; want 0", got)
	}
	for _, name := range []string{"leadworker_circuit_open", "leadworker_paused"} {
		if got := sum(fams, name, nil); got != 0 {
			t.Errorf("%s = %v after recovery; want 0", name, got)
		}
	}
	if got := sum(fams, "leadworker_in_flight_limit", nil); got < 1 {
		t.Errorf("leadworker_in_flight_limit = %v", got)
	}
	testkit.WaitFor(t, 10*time.Second, "the lag to reach 0 on every input, route and bulk route partition", func() bool {
		f := p.scrape(t)
		return len(f["leadworker_consumer_lag"]) == 6 && sum(f, "leadworker_consumer_lag", nil) == 0
	})
}

// circuitOpen reads leadworker_circuit_open from /metrics.
func (p *pipeline) circuitOpen(t *testing.T) func() bool {
	return func() bool { return sum(p.scrape(t), "leadworker_circuit_open", nil) == 1 }
}
