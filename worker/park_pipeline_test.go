package worker_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/sandbox"
	"github.com/leadworker/leadworker/schemas"
	"github.com/leadworker/leadworker/worker"
)

// again returns, for each event, a second event of the same customer (same
// key and identity) with an event and lead id of its own.
func again(t *testing.T, events []sandbox.Sample) []sandbox.Sample {
	t.Helper()
	out := make([]sandbox.Sample, 0, len(events))
	for _, e := range events {
		var v map[string]any
		if err := json.Unmarshal(e.Value, &v); err != nil {
			t.Fatal(err)
		}
		id := v["eventId"].(string) + "-again"
		v["eventId"] = id
		v["lead"].(map[string]any)["leadId"] = "LEAD-" + id
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sandbox.Sample{Name: id, Key: e.Key, Value: b})
	}
	return out
}

// TestForbiddenDepartmentParked: one department answers 403 to every call.
// Once its pause is older than PARK_AFTER its events, and the second event
// of each of its customers produced later, are parked: the route topic's
// commits reach its end, the worker stays ready, and the admin list counts
// them. Once the fake grants the scope and an operator asks for a probe,
// every event is answered once, each customer's two leads saved in order,
// and nothing is dead-lettered.
func TestForbiddenDepartmentParked(t *testing.T) {
	p := startPipeline(t, func(c *worker.Config) { c.ParkAfter = 300 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const forbidden = "dept-forbidden"
	grant := p.fake.AddFault(mykaarmatest.Fault{Department: forbidden, Status: http.StatusForbidden,
		Body: `{"status":403,"error":"Forbidden","message":"ApiScope does not exist"}`})
	first, of := inDepartments(t, leadEvents(t, "park", 30), "dept-a", forbidden, "dept-b")
	var blocked []sandbox.Sample
	for _, e := range first {
		var v struct {
			EventID string `json:"eventId"`
		}
		if err := json.Unmarshal(e.Value, &v); err != nil {
			t.Fatal(err)
		}
		if of[v.EventID] == forbidden {
			blocked = append(blocked, e)
		}
	}
	second := again(t, blocked)
	for _, e := range second {
		var v struct {
			EventID string `json:"eventId"`
		}
		if err := json.Unmarshal(e.Value, &v); err != nil {
			t.Fatal(err)
		}
		of[v.EventID] = forbidden
	}
	if err := sandbox.Produce(ctx, p.cfg, first); err != nil {
		t.Fatal(err)
	}
	healthy := func(d string) bool { return d != forbidden }
	testkit.WaitFor(t, 30*time.Second, "the healthy departments' events to be answered", p.allAnswered(t, of, healthy))
	testkit.WaitFor(t, 30*time.Second, "the forbidden department's first events to be parked", func() bool {
		return sum(p.scrape(t), "leadworker_parked_total", nil) == float64(len(blocked))
	})
	if err := sandbox.Produce(ctx, p.cfg, second); err != nil {
		t.Fatal(err)
	}
	want := float64(len(blocked) + len(second))
	testkit.WaitFor(t, 30*time.Second, "the second events to be parked behind the first", func() bool {
		f := p.scrape(t)
		return sum(f, "leadworker_parked_total", nil) == want && sum(f, "leadworker_parked_events", nil) == want
	})
	testkit.WaitFor(t, 30*time.Second, "the route topic's commits to reach its end", func() bool {
		f := p.scrape(t)
		return len(f["leadworker_consumer_lag"]) > 0 && sum(f, "leadworker_consumer_lag", nil) == 0
	})
	for _, s := range p.scrape(t)["leadworker_consumer_lag"] {
		if s.labels["topic"] == p.cfg.ParkedTopic {
			t.Errorf("leadworker_consumer_lag reports the parked topic (%v); want only inputs and route", s.labels)
		}
	}
	if r := p.readyBody(t); r.status != http.StatusOK || r.Paused != 1 {
		t.Errorf("/readyz = %+v; want 200 with one paused department", r)
	}
	var listed struct {
		Departments []struct {
			Department string `json:"department"`
			Parked     int    `json:"parked"`
		} `json:"departments"`
	}
	if code := p.admin(t, http.MethodGet, "/admin/departments", &listed); code != http.StatusOK ||
		len(listed.Departments) != 1 || listed.Departments[0].Department != forbidden || listed.Departments[0].Parked != int(want) {
		t.Errorf("GET /admin/departments = %d %+v; want %s with %v parked", code, listed, forbidden, want)
	}
	if got, dead := p.answered(t); dead != 0 {
		t.Fatalf("dead letters while parked = %d; want 0", dead)
	} else {
		for id, d := range of {
			if d == forbidden && got[id] {
				t.Fatalf("event %s of the forbidden department answered while it is forbidden", id)
			}
		}
	}
	if !p.logged("department's events parked") {
		t.Error("no log line for the department's first park")
	}

	grant()
	if code := p.admin(t, http.MethodPost, "/admin/resume?department="+forbidden, nil); code != http.StatusOK {
		t.Errorf("POST /admin/resume?department=%s = %d; want 200", forbidden, code)
	}
	testkit.WaitFor(t, 30*time.Second, "every event to be answered once the scope is granted", p.allAnswered(t, of, func(string) bool { return true }))
	testkit.WaitFor(t, 10*time.Second, "the parked events to be counted as handed back", func() bool {
		f := p.scrape(t)
		return sum(f, "leadworker_unparked_total", nil) == want && sum(f, "leadworker_parked_events", nil) == 0
	})
	results, dead := p.outputs.Snapshot()
	if len(dead) != 0 {
		t.Errorf("dead letters = %d; want none", len(dead))
	}
	times := make(map[string]int)
	for _, m := range results {
		var r schemas.Result
		if err := json.Unmarshal(m.Value, &r); err != nil {
			t.Fatal(err)
		}
		times[r.EventID]++
	}
	for id := range of {
		if times[id] != 1 {
			t.Errorf("event %s answered %d times; want once", id, times[id])
		}
	}
	saved := make(map[string]int) // lead id → position among the dealer's saves
	leads := p.fake.Leads("dealer-" + forbidden)
	for i, l := range leads {
		if _, twice := saved[l.LeadID]; twice {
			t.Errorf("lead %s saved twice", l.LeadID)
		}
		saved[l.LeadID] = i
	}
	if len(leads) != int(want) {
		t.Errorf("forbidden department's leads saved = %d; want %v", len(leads), want)
	}
	for _, e := range blocked {
		id := "LEAD-" + e.Name
		if saved[id] > saved[id+"-again"] {
			t.Errorf("lead %s saved after %s-again; want each customer's leads in order", id, id)
		}
	}
}
