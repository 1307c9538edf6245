package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/leadworker/leadworker/deadletter"
	"testing"
	"time"

	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/sandbox"
	"github.com/leadworker/leadworker/schemas"
	"github.com/leadworker/leadworker/worker"
)

// TestLeadUnknownOutcome: myKaarma saves a lead and drops the connection
// without answering. retry saves it again and the result says so;
// dead-letter saves it once and dead-letters the event, bytes untouched.
func TestLeadUnknownOutcome(t *testing.T) {
	tests := []struct {
		mode     handlers.LeadUnknownOutcome
		leads    int
		retried  float64
		deadLets float64
	}{
		{handlers.LeadUnknownRetry, 2, 1, 0},
		{handlers.LeadUnknownDeadLetter, 1, 0, 1},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			p := startPipeline(t, func(c *worker.Config) {
				c.LeadUnknownOutcome = tt.mode
				c.RetryMaxElapsed = 30 * time.Second // room for the retry on a busy machine
			})
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			ev := leadEvents(t, "unknown", 1)
			p.fake.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpLead, DropAfterApply: true, Times: 1})
			if err := sandbox.Produce(ctx, p.cfg, ev); err != nil {
				t.Fatal(err)
			}
			if err := p.outputs.WaitFor(ctx, 1, nil); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, ls := range p.fake.AllLeads() {
				n += len(ls)
			}
			if n != tt.leads {
				t.Errorf("fake holds %d leads; want %d", n, tt.leads)
			}
			results, dead := p.outputs.Snapshot()
			switch tt.mode {
			case handlers.LeadUnknownRetry:
				var r schemas.Result
				if len(results) != 1 || len(dead) != 0 || json.Unmarshal(results[0].Value, &r) != nil {
					t.Fatalf("outputs = %d results, %d dead letters; want 1 result", len(results), len(dead))
				}
				warned := 0
				for _, w := range r.Warnings {
					if w.Code == handlers.WarnLeadOutcomeUnknown && w.Source == handlers.SourceLeadworker {
						warned++
					}
				}
				if r.Outcome != schemas.OutcomeQueued || r.Attempts != 2 || warned != 1 {
					t.Errorf("result = %+v; want QUEUED after 2 attempts with one %s warning", r, handlers.WarnLeadOutcomeUnknown)
				}
			case handlers.LeadUnknownDeadLetter:
				if len(results) != 0 || len(dead) != 1 {
					t.Fatalf("outputs = %d results, %d dead letters; want 1 dead letter", len(results), len(dead))
				}
				d := dead[0]
				if c := header(d, deadletter.HeaderErrorClass); c != deadletter.ClassLeadOutcomeUnknown {
					t.Errorf("error.class = %q; want %q", c, deadletter.ClassLeadOutcomeUnknown)
				}
				if s := header(d, deadletter.HeaderErrorStep); s != handlers.StepLead {
					t.Errorf("error.step = %q; want %q", s, handlers.StepLead)
				}
				if !bytes.Equal(d.Value, ev[0].Value) || string(d.Key) != ev[0].Key {
					t.Errorf("dead letter key/value changed: %q / %q", d.Key, d.Value)
				}
			}
			want := map[string]float64{"retried": tt.retried, "dead_lettered": tt.deadLets}
			testkit.WaitFor(t, 10*time.Second, "leadworker_lead_outcome_unknown_total", func() bool {
				fams := p.scrape(t)
				for action, n := range want {
					if sum(fams, "leadworker_lead_outcome_unknown_total", map[string]string{"action": action}) != n {
						return false
					}
				}
				return true
			})
		})
	}
}
