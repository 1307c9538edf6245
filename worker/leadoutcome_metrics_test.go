package worker

import (
	"github.com/leadworker/leadworker/deadletter"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// leadworker_lead_outcome_unknown_total counts a result's retried saves and a
// lead-outcome-unknown dead letter, and starts at zero for both actions.
func TestLeadOutcomeUnknownMetric(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		s                   summary
		l                   *deadletter.Letter
		retried, deadLetter float64
	}{
		{name: "result with one unknown save", s: summary{Outcome: "QUEUED", Attempts: 2, LeadRetried: 1}, retried: 1},
		{name: "plain result", s: summary{Outcome: "QUEUED", Attempts: 2}},
		{name: "dead letter", l: &deadletter.Letter{Class: deadletter.ClassLeadOutcomeUnknown, Attempts: 1},
			s: summary{Outcome: outcomeDeadLetter, Attempts: 1}, deadLetter: 1},
		{name: "exhausted after retried saves", l: &deadletter.Letter{Class: deadletter.ClassExhausted, Attempts: 3},
			s: summary{Outcome: outcomeDeadLetter, Attempts: 3, LeadRetried: 3}, retried: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMetrics()
			if n, err := testutil.GatherAndCount(m.reg, "leadworker_lead_outcome_unknown_total"); err != nil || n != 2 {
				t.Fatalf("leadworker_lead_outcome_unknown_total has %d series before any event (%v); want both actions at 0", n, err)
			}
			m.finished(tt.s, tt.l, 0)
			if got := testutil.ToFloat64(m.leadUnknown.WithLabelValues(leadRetried)); got != tt.retried {
				t.Errorf("leadworker_lead_outcome_unknown_total{action=retried} = %v; want %v", got, tt.retried)
			}
			if got := testutil.ToFloat64(m.leadUnknown.WithLabelValues(leadDeadLettered)); got != tt.deadLetter {
				t.Errorf("leadworker_lead_outcome_unknown_total{action=dead_lettered} = %v; want %v", got, tt.deadLetter)
			}
			if got := testutil.ToFloat64(m.deadLetters.WithLabelValues(deadletter.ClassLeadOutcomeUnknown)); got != tt.deadLetter {
				t.Errorf("leadworker_dead_letters_total{class=%q} = %v; want %v", deadletter.ClassLeadOutcomeUnknown, got, tt.deadLetter)
			}
		})
	}
}
