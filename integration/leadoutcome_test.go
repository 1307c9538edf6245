package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestLeadUnknownOutcome runs the binary against a myKaarma that saves a lead and then drops
// the connection without answering, once per LEAD_UNKNOWN_OUTCOME value. retry: the lead is
// saved twice and the one QUEUED result carries a lead-outcome-unknown warning. dead-letter:
// the lead is saved once and the event is dead-lettered with error.class
// lead-outcome-unknown, its key and bytes untouched. Both count the event in
// leadworker_lead_outcome_unknown_total.
func TestLeadUnknownOutcome(t *testing.T) {
	tests := []struct {
		mode    string
		leads   int
		action  string
		results int
	}{
		{mode: "retry", leads: 2, action: "retried", results: 1},
		{mode: "dead-letter", leads: 1, action: "dead_lettered"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			b := newBroker(t)
			tp := newTopics(t, b, 1)
			fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
			fake.DropNext(mykaarmatest.OpLead, 1)
			out := collect(t, b, tp)
			wl := newWorkload(t, tp, 2)
			lead := wl.Events[1] // the workload's events alternate customer, lead
			w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{"LEAD_UNKNOWN_OUTCOME": tt.mode}))
			produce(t, b, tp.Input, []event{lead}, 30*time.Second)
			out.waitOutputs(t, 1, 60*time.Second)

			// The output is written after every save: the fake's count is final.
			if n := len(fake.Leads(wl.Dealer)); n != tt.leads {
				t.Errorf("myKaarma holds %d leads; want %d", n, tt.leads)
			}
			results, dlq := out.snapshot()
			if len(results) != tt.results || len(results)+len(dlq) != 1 {
				t.Fatalf("%d results, %d dead letters; want %d result(s) of 1 output", len(results), len(dlq), tt.results)
			}
			if tt.results == 1 {
				checkWarnedResult(t, results[0], lead.ID)
			} else {
				d := dlq[0]
				if !bytes.Equal(d.Value, lead.Value) || string(d.Key) != lead.Key {
					t.Errorf("dead letter key %q value %q; want the input's %q %q", d.Key, d.Value, lead.Key, lead.Value)
				}
				for h, want := range map[string]string{"error.class": "lead-outcome-unknown", "error.step": "lead", "event.id": lead.ID, "attempts": "1"} {
					if got := d.Headers[h]; got != want {
						t.Errorf("dead letter %s = %q; want %q", h, got, want)
					}
				}
			}

			// Counted once the output is acknowledged, which may trail what the collector saw.
			addr := "http://" + w.httpAddr(t) + "/metrics"
			if err := testkit.Until(t, 30*time.Second, func() error {
				got, err := metricValue(addr, "leadworker_lead_outcome_unknown_total", "action", tt.action)
				if err == nil && got != 1 {
					err = fmt.Errorf("leadworker_lead_outcome_unknown_total{action=%q} = %v; want 1", tt.action, got)
				}
				return err
			}); err != nil {
				t.Error(err)
			}
		})
	}
}

// checkWarnedResult checks a QUEUED result of eventID with exactly one lead-outcome-unknown
// warning from leadworker.
func checkWarnedResult(t *testing.T, o output, eventID string) {
	t.Helper()
	var r struct {
		EventID  string `json:"eventId"`
		Outcome  string `json:"outcome"`
		Attempts int    `json:"attempts"`
		Warnings []struct {
			Source, Code string
		} `json:"warnings"`
	}
	if err := json.Unmarshal(o.Value, &r); err != nil {
		t.Fatalf("result %q: %v", o.Value, err)
	}
	warned := 0
	for _, w := range r.Warnings {
		if w.Source == "leadworker" && w.Code == "lead-outcome-unknown" {
			warned++
		}
	}
	if r.EventID != eventID || r.Outcome != "QUEUED" || r.Attempts != 2 || warned != 1 {
		t.Errorf("result %s; want %s QUEUED after 2 attempts with one lead-outcome-unknown warning", o.Value, eventID)
	}
}

// metricValue reads one labelled counter or gauge from a /metrics page.
func metricValue(url, name, label, value string) (float64, error) {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", url, err)
	}
	for _, m := range fams[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label && l.GetValue() == value {
				if c := m.GetCounter(); c != nil {
					return c.GetValue(), nil
				}
				return m.GetGauge().GetValue(), nil
			}
		}
	}
	return 0, fmt.Errorf("%s{%s=%q} not exported", name, label, value)
}
