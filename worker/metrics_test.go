package worker

import (
	"fmt"
	"github.com/leadworker/leadworker/deadletter"
	"github.com/leadworker/leadworker/guard"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetricsReadTheTypedSummary: labels come from the typed summary and
// letter, so log fields can be renamed or dropped without emptying a label.
func TestMetricsReadTheTypedSummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                  string
		s                     summary
		l                     *deadletter.Letter
		outcome, rule, class  string
		wantRetries, wantDead float64
	}{
		{
			name:    "result",
			s:       summary{Outcome: "QUEUED", Rule: "customerKey", Attempts: 3},
			outcome: "QUEUED", rule: "customerKey", wantRetries: 2,
		},
		{
			name:    "dead letter",
			s:       summary{Outcome: outcomeDeadLetter, Attempts: 2},
			l:       &deadletter.Letter{Class: deadletter.ClassRejected, Attempts: 2},
			outcome: outcomeDeadLetter, class: deadletter.ClassRejected, wantRetries: 1, wantDead: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMetrics()
			m.finished(tt.s, tt.l, 0)
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

// TestLabelledSeriesStartAtZero: the series rates and absence alerts need
// exist before the first event, so increase() over the first minutes of a
// replica is 0 and not "no data".
func TestLabelledSeriesStartAtZero(t *testing.T) {
	t.Parallel()
	m := newMetrics()
	tests := []struct {
		name   string
		vec    *prometheus.CounterVec
		labels []string
	}{
		{"events_total QUEUED none", m.events, []string{"QUEUED", "none"}},
		{"events_total SAVED customerKey", m.events, []string{"SAVED", "customerKey"}},
		{"events_total UNPROCESSED lastName+vin", m.events, []string{"UNPROCESSED", "lastName+vin"}},
		{"events_total DEAD_LETTER", m.events, []string{outcomeDeadLetter, ""}},
		{"dead_letters_total invalid", m.deadLetters, []string{deadletter.ClassInvalid}},
		{"dead_letters_total rejected", m.deadLetters, []string{deadletter.ClassRejected}},
		{"dead_letters_total exhausted", m.deadLetters, []string{deadletter.ClassExhausted}},
		{"mykaarma_requests_total search 200", m.requests, []string{"search", "200"}},
		{"mykaarma_requests_total lead 503", m.requests, []string{"lead", "503"}},
		{"mykaarma_requests_total create timeout", m.requests, []string{"create", "timeout"}},
		{"routed_total lastName", m.routed, []string{"lastName"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found := false
			mfs, err := m.reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			for _, mf := range mfs {
				for _, s := range mf.GetMetric() {
					if s.GetCounter() == nil || len(s.GetLabel()) != len(tt.labels) {
						continue
					}
					match := true
					for i, l := range s.GetLabel() {
						match = match && l.GetValue() == tt.labels[i]
					}
					if match && mf.GetName() == fqName(t, tt.vec) && s.GetCounter().GetValue() == 0 {
						found = true
					}
				}
			}
			if !found {
				t.Errorf("%s%v not exported at 0 before any event", fqName(t, tt.vec), tt.labels)
			}
		})
	}
}

// fqName is the metric name of a vector.
func fqName(t *testing.T, v *prometheus.CounterVec) string {
	t.Helper()
	ch := make(chan *prometheus.Desc, 1)
	v.Describe(ch)
	_, rest, _ := strings.Cut((<-ch).String(), `fqName: "`)
	name, _, _ := strings.Cut(rest, `"`)
	return name
}

// TestDepartmentMetrics: the paused departments are counted by reason, never
// labelled by department, and every series exists from the start.
func TestDepartmentMetrics(t *testing.T) {
	t.Parallel()
	clk := time.Unix(1000, 0)
	d := guard.NewDepartments(func() time.Time { return clk }, time.Second, time.Second, 0, nil)
	c := newDepartmentsCollector(d)
	want := func(scope, circuit, longest float64) string {
		return fmt.Sprintf(`
# HELP leadworker_department_pause_longest_seconds How long the longest department pause of this replica has lasted; 0 when none is paused.
# TYPE leadworker_department_pause_longest_seconds gauge
leadworker_department_pause_longest_seconds %v
# HELP leadworker_departments_paused Departments paused by this replica, by reason (scope: myKaarma answers 403 for the department; circuit: its calls keep failing while others succeed). A department paused for both counts under both.
# TYPE leadworker_departments_paused gauge
leadworker_departments_paused{reason="circuit"} %v
leadworker_departments_paused{reason="scope"} %v
`, longest, circuit, scope)
	}
	if err := testutil.CollectAndCompare(c, strings.NewReader(want(0, 0, 0))); err != nil {
		t.Errorf("nothing paused: %v", err)
	}
	d.Pause("d-1", guard.ReasonScope, nil)
	clk = clk.Add(90 * time.Second)
	d.Pause("d-2", guard.ReasonScope, nil)
	d.Pause("d-2", guard.ReasonCircuit, nil)
	if err := testutil.CollectAndCompare(c, strings.NewReader(want(2, 1, 90))); err != nil {
		t.Errorf("two paused: %v", err)
	}
}
