package worker_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/sandbox"
	"github.com/leadworker/leadworker/worker"
)

// withLeadType sets the lead type of lead events.
func withLeadType(t *testing.T, events []sandbox.Sample, leadType string) []sandbox.Sample {
	t.Helper()
	for i := range events {
		var v map[string]any
		if err := json.Unmarshal(events[i].Value, &v); err != nil {
			t.Fatal(err)
		}
		v["lead"].(map[string]any)["leadType"] = leadType
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		events[i].Value = b
	}
	return events
}

// TestFairShareLiveBeforeBacklog: a department's backlog of 300 RECALL
// leads, then 10 live leads produced after it, 4 in flight and 20 ms
// myKaarma calls, everything read ahead. With fair dispatch the live leads
// are all answered while most of the backlog still waits: by fair share
// when they are another department's, by priority when they are
// SERVICE_DEMAND leads of the same department. In the order read they wait
// for the backlog. Every event is answered once, and each one's dwell is
// counted by its priority.
func TestFairShareLiveBeforeBacklog(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: three pipelines of 310 events (about 25 s)")
	}
	const backlog, live = 300, 10
	tests := []struct {
		name     string
		fair     bool
		liveDept string
		liveType string
		// most is the most backlog events answered when the last live one
		// is; least the least.
		most, least int
		wantDwell   map[string]float64 // by priority
	}{
		{"fair share", true, "dept-live", "RECALL", backlog / 4, 0, map[string]float64{"low": backlog + live}},
		{"priority", true, "dept-import", "SERVICE_DEMAND", backlog / 4, 0, map[string]float64{"low": backlog, "normal": live}},
		// The same line the other way: how far the backlog got first depends on how its two
		// partitions were read (observed 144 to 223), but always past a quarter.
		{"in the order read", false, "dept-live", "RECALL", backlog, backlog/4 + 1, map[string]float64{"low": backlog + live}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startPipeline(t, func(c *worker.Config) {
				c.MaxInFlight, c.MaxBuffered, c.AdaptiveConcurrency, c.FairDispatch = 4, 2*(backlog+live), false, tt.fair
			})
			p.fake.AddFault(mykaarmatest.Fault{Latency: 20 * time.Millisecond}) // every call, then answered
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			bulk, of := inDepartments(t, leadEvents(t, "bulk", backlog), "dept-import")
			liveEvents, liveOf := inDepartments(t, withLeadType(t, leadEvents(t, "l", live), tt.liveType), tt.liveDept)
			if err := sandbox.Produce(ctx, p.cfg, bulk); err != nil {
				t.Fatal(err)
			}
			if err := sandbox.Produce(ctx, p.cfg, liveEvents); err != nil {
				t.Fatal(err)
			}
			all := func(string) bool { return true }
			testkit.WaitFor(t, 60*time.Second, "the live leads to be answered", p.allAnswered(t, liveOf, all))
			got, _ := p.answered(t)
			done := 0
			for id := range of {
				if got[id] {
					done++
				}
			}
			t.Logf("%d of %d backlog events answered when the %d live ones were", done, backlog, live)
			if done > tt.most || done < tt.least {
				t.Errorf("%d of %d backlog events answered when the %d live ones were; want %d..%d", done, backlog, live, tt.least, tt.most)
			}

			testkit.WaitFor(t, 60*time.Second, "the backlog to be answered", p.allAnswered(t, of, all))
			results, dead := p.outputs.Snapshot()
			if len(results) != backlog+live || len(dead) != 0 {
				t.Errorf("%d results, %d dead letters; want %d, 0", len(results), len(dead), backlog+live)
			}
			f := p.scrape(t)
			for _, prio := range []string{"high", "normal", "low"} {
				want := tt.wantDwell[prio]
				if got := sum(f, "leadworker_dwell_seconds", map[string]string{"priority": prio, "route": "live"}); got != want {
					t.Errorf("leadworker_dwell_seconds{priority=%q} count = %v; want %v", prio, got, want)
				}
			}
		})
	}
}
