package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/schemas"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/twmb/franz-go/pkg/kfake"
)

// pipeline is a worker built by newWorker on the embedded broker and the fake.
type pipeline struct {
	cfg     config
	fake    *mykaarmatest.Server
	w       *worker
	http    *httptest.Server
	outputs *outputReader
	hook    *test.Hook
}

// startPipeline runs a worker until the test ends; tweak adjusts its config.
func startPipeline(t *testing.T, tweak func(*config)) *pipeline {
	t.Helper()
	cfg := defaultConfig()
	cfg.RetryInitial, cfg.RetryMax, cfg.RetryMaxElapsed = 20*time.Millisecond, 100*time.Millisecond, 400*time.Millisecond
	cfg.Guards.ProbeMin, cfg.Guards.ProbeMax, cfg.Guards.LagInterval = 100*time.Millisecond, 300*time.Millisecond, 100*time.Millisecond
	if tweak != nil {
		tweak(&cfg)
	}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, cfg.InputTopics[0], cfg.ResultTopic, cfg.DLQTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	cfg.Brokers = cluster.ListenAddrs()
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	cfg.BaseURL, cfg.Username, cfg.Password = fake.URL, mykaarmatest.DefaultUsername, mykaarmatest.DefaultPassword

	log, hook := test.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	w, err := newWorker(cfg, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- w.run(ctx, "127.0.0.1:0") }()
	srv := httptest.NewServer(w.routes())
	outputs := newOutputReader(cfg)
	t.Cleanup(func() {
		outputs.close()
		srv.Close()
		cancel()
		if err := <-stopped; err != nil {
			t.Errorf("worker run: %v", err)
		}
	})
	return &pipeline{cfg: cfg, fake: fake, w: w, http: srv, outputs: outputs, hook: hook}
}

// leadEvents returns n valid new-customer lead events with distinct customers.
func leadEvents(t *testing.T, prefix string, n int) []sample {
	t.Helper()
	b, err := os.ReadFile("../../examples/01-new-customer-lead.json")
	if err != nil {
		t.Fatal(err)
	}
	var out []sample
	for i := range n {
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("%s-%03d", prefix, i)
		v["eventId"] = id
		lead := v["lead"].(map[string]any)
		lead["leadId"] = "LEAD-" + id
		c := lead["customer"].(map[string]any)
		c["lastName"] = "Nguyen" + strings.ReplaceAll(id, "-", "")
		c["phoneNumbers"].([]any)[0].(map[string]any)["phoneNumber"] = fmt.Sprintf("(415) 555-%04d", 2000+i+len(prefix)*100)
		c["emails"].([]any)[0].(map[string]any)["emailAddress"] = id + "@example.com"
		val, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sample{name: id, key: id, value: val})
	}
	return out
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		<-time.After(10 * time.Millisecond) // poll interval
	}
}

// scrape returns /metrics as parsed metric families.
func (p *pipeline) scrape(t *testing.T) map[string][]metricSample {
	t.Helper()
	resp, err := http.Get(p.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]metricSample)
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			s := metricSample{labels: map[string]string{}}
			for _, l := range m.GetLabel() {
				s.labels[l.GetName()] = l.GetValue()
			}
			switch {
			case m.Counter != nil:
				s.value = m.GetCounter().GetValue()
			case m.Gauge != nil:
				s.value = m.GetGauge().GetValue()
			case m.Histogram != nil:
				s.value = float64(m.GetHistogram().GetSampleCount())
			}
			out[name] = append(out[name], s)
		}
	}
	return out
}

type metricSample struct {
	labels map[string]string
	value  float64
}

// sum adds the samples of name whose labels include want.
func sum(fams map[string][]metricSample, name string, want map[string]string) float64 {
	var total float64
next:
	for _, s := range fams[name] {
		for k, v := range want {
			if s.labels[k] != v {
				continue next
			}
		}
		total += s.value
	}
	return total
}

func (p *pipeline) readyz(t *testing.T) int {
	t.Helper()
	resp, err := http.Get(p.http.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (p *pipeline) logged(msg string) bool {
	for _, e := range p.hook.AllEntries() {
		if strings.Contains(e.Message, msg) {
			return true
		}
	}
	return false
}

// TestCircuitOutageLosesNothing: myKaarma answers 503 to everything for a
// while. The circuit opens, work pauses, events that ran out of retries are
// not dead-lettered; after the fault clears every event gets its result. The
// metrics scraped afterwards count exactly that workload.
func TestCircuitOutageLosesNothing(t *testing.T) {
	p := startPipeline(t, func(c *config) {
		c.Guards.Circuit = circuitOptions{Consecutive: 5, MinEvents: 2, WindowCalls: 20}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// A healthy start: the metrics must count these too.
	warm := leadEvents(t, "warm", 3)
	if err := produce(ctx, p.cfg, warm); err != nil {
		t.Fatal(err)
	}
	if err := p.outputs.waitFor(ctx, len(warm), nil); err != nil {
		t.Fatal(err)
	}

	remove := p.fake.AddFault(mykaarmatest.Fault{Status: http.StatusServiceUnavailable})
	events := leadEvents(t, "outage", 8)
	if err := produce(ctx, p.cfg, events); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the circuit to open", p.w.guards.circuit.isOpen)
	if got := p.readyz(t); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage = %d; want 503", got)
	}
	// Wait until events have run out of retries while the circuit was open.
	eventually(t, 20*time.Second, "an event to be retried later instead of dead-lettered", func() bool {
		return p.logged("handler not done")
	})
	remove()

	total := len(warm) + len(events)
	if err := p.outputs.waitFor(ctx, total, nil); err != nil {
		t.Fatal(err)
	}
	results, dead := p.outputs.snapshot()
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
		if !got[e.key] {
			t.Errorf("event %s has no result", e.key)
		}
	}
	eventually(t, 10*time.Second, "the circuit to close", func() bool { return !p.w.guards.circuit.isOpen() })
	if got := p.readyz(t); got != http.StatusOK {
		t.Errorf("/readyz after recovery = %d; want 200", got)
	}
	if !p.logged("circuit open") || !p.logged("circuit closed") {
		t.Error("want one log line on open and one on close")
	}

	// Redelivery may finish an event twice; the metrics count finished outputs.
	fams := p.scrape(t)
	if got := sum(fams, "leadworker_events_total", map[string]string{"outcome": "QUEUED", "rule": "none"}); got != float64(len(results)) {
		t.Errorf("leadworker_events_total{outcome=QUEUED,rule=none} = %v; want %d", got, len(results))
	}
	if got := sum(fams, "leadworker_dead_letters_total", nil); got != 0 {
		t.Errorf("leadworker_dead_letters_total = %v; want 0", got)
	}
	if got := sum(fams, "leadworker_mykaarma_requests_total", map[string]string{"endpoint": "search", "status": "503"}); got == 0 {
		t.Error("no search answered 503 was counted")
	}
	if got := sum(fams, "leadworker_mykaarma_requests_total", map[string]string{"endpoint": "lead", "status": "200"}); got != float64(len(results)) {
		t.Errorf("lead calls answered 200 = %v; want %d", got, len(results))
	}
	if got := sum(fams, "leadworker_event_duration_seconds", nil); got != float64(len(results)) {
		t.Errorf("leadworker_event_duration_seconds count = %v; want %d", got, len(results))
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
	eventually(t, 10*time.Second, "the lag to reach 0 on every partition", func() bool {
		f := p.scrape(t)
		return len(f["leadworker_consumer_lag"]) == 2 && sum(f, "leadworker_consumer_lag", nil) == 0
	})
}
