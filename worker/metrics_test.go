package worker

import (
	"testing"

	"github.com/leadworker/leadworker/consumer"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetricsReadTheTypedSummary: labels come from Outcome.Summary, so log
// fields can be renamed or dropped without emptying a label.
func TestMetricsReadTheTypedSummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                  string
		out                   consumer.Outcome
		outcome, rule, class  string
		wantRetries, wantDead float64
	}{
		{
			name:    "result",
			out:     consumer.Outcome{Result: []byte("{}"), Summary: summary{Outcome: "QUEUED", Rule: "customerKey", Attempts: 3}},
			outcome: "QUEUED", rule: "customerKey", wantRetries: 2,
		},
		{
			name: "dead letter",
			out: consumer.Outcome{DeadLetter: &consumer.DeadLetter{Class: consumer.ClassRejected, Attempts: 2},
				Fields: map[string]any{"outcome": "renamed"}},
			outcome: outcomeDeadLetter, class: consumer.ClassRejected, wantRetries: 1, wantDead: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMetrics()
			m.Outcome(&consumer.Message{}, tt.out, 0)
			if got := testutil.ToFloat64(m.events.WithLabelValues(tt.outcome, tt.rule)); got != 1 {
				t.Errorf("leadworker_events_total{outcome=%q,rule=%q} = %v; want 1", tt.outcome, tt.rule, got)
			}
			if got := testutil.ToFloat64(m.retries); got != tt.wantRetries {
				t.Errorf("leadworker_retries_total = %v; want %v", got, tt.wantRetries)
			}
			if tt.class != "" {
				if got := testutil.ToFloat64(m.deadLetters.WithLabelValues(tt.class)); got != tt.wantDead {
					t.Errorf("leadworker_dead_letters_total{class=%q} = %v; want %v", tt.class, got, tt.wantDead)
				}
			}
		})
	}
}
