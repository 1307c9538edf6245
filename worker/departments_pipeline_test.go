package worker_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/sandbox"
	"github.com/leadworker/leadworker/schemas"
	"github.com/leadworker/leadworker/worker"
)

// inDepartments moves the events to the departments in turn (event i to
// depts[i%len]), each department with a dealer of its own ("dealer-" + it).
// It returns the events and the department of each event id.
func inDepartments(t *testing.T, events []sandbox.Sample, depts ...string) ([]sandbox.Sample, map[string]string) {
	t.Helper()
	of := make(map[string]string, len(events))
	for i := range events {
		var v map[string]any
		if err := json.Unmarshal(events[i].Value, &v); err != nil {
			t.Fatal(err)
		}
		d := depts[i%len(depts)]
		v["departmentUuid"], v["dealerUuid"] = d, "dealer-"+d
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		events[i].Value = b
		of[v["eventId"].(string)] = d
	}
	return events, of
}

// answered returns the event ids that have a result, and the number of dead
// letters.
func (p *pipeline) answered(t *testing.T) (map[string]bool, int) {
	t.Helper()
	results, dead := p.outputs.Snapshot()
	got := make(map[string]bool, len(results))
	for _, m := range results {
		var r schemas.Result
		if err := json.Unmarshal(m.Value, &r); err != nil {
			t.Fatal(err)
		}
		got[r.EventID] = true
	}
	return got, len(dead)
}

// allAnswered reports whether every event of of whose department passes
// keep has a result.
func (p *pipeline) allAnswered(t *testing.T, of map[string]string, keep func(dept string) bool) func() bool {
	return func() bool {
		got, _ := p.answered(t)
		for id, d := range of {
			if keep(d) && !got[id] {
				return false
			}
		}
		return true
	}
}

// readyBody is /readyz's answer.
type readyBody struct {
	status      int
	Ready       bool   `json:"ready"`
	Reason      string `json:"reason"`
	Paused      int    `json:"pausedDepartments"`
	Departments []struct {
		Department string    `json:"department"`
		Reason     string    `json:"reason"`
		Since      time.Time `json:"since"`
	} `json:"departments"`
}

func (p *pipeline) readyBody(t *testing.T) readyBody {
	t.Helper()
	resp, err := http.Get(p.http.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := readyBody{status: resp.StatusCode}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

// admin sends method path to the worker's admin handler and decodes the answer.
func (p *pipeline) admin(t *testing.T, method, path string, v any) int {
	t.Helper()
	rec := httptest.NewRecorder()
	p.w.AdminHandler().ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	if v != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			t.Fatalf("%s %s: %v (%s)", method, path, err, rec.Body.String())
		}
	}
	return rec.Code
}

// TestDepartmentForbiddenOthersGoOn: one department answers 403 to every
// call while two others are healthy. The healthy departments' events are all
// answered, the worker stays ready and lists the department as paused; once
// the fake grants the scope (and an operator forces a probe), the paused
// department's events are answered too, and none is dead-lettered.
func TestDepartmentForbiddenOthersGoOn(t *testing.T) {
	p := startPipeline(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const forbidden = "dept-forbidden"
	grant := p.fake.AddFault(mykaarmatest.Fault{Department: forbidden, Status: http.StatusForbidden,
		Body: `{"status":403,"error":"Forbidden","message":"ApiScope does not exist"}`})
	events, of := inDepartments(t, leadEvents(t, "scope", 30), "dept-a", forbidden, "dept-b")
	if err := sandbox.Produce(ctx, p.cfg, events); err != nil {
		t.Fatal(err)
	}
	healthy := func(d string) bool { return d != forbidden }
	testkit.WaitFor(t, 30*time.Second, "the healthy departments' events to be answered", p.allAnswered(t, of, healthy))

	r := p.readyBody(t)
	if r.status != http.StatusOK || !r.Ready || r.Paused != 1 || len(r.Departments) != 1 ||
		r.Departments[0].Department != forbidden || r.Departments[0].Reason != guard.ReasonScope || r.Departments[0].Since.IsZero() {
		t.Errorf("/readyz = %+v; want 200, ready, listing %s paused for scope", r, forbidden)
	}
	f := p.scrape(t)
	if sum(f, "leadworker_departments_paused", map[string]string{"reason": "scope"}) != 1 ||
		sum(f, "leadworker_paused", nil) != 0 || sum(f, "leadworker_ready", map[string]string{"reason": "ok"}) != 1 {
		t.Errorf("metrics: departments_paused %v, paused %v, ready %v; want scope 1, no global pause, ready ok",
			f["leadworker_departments_paused"], f["leadworker_paused"], f["leadworker_ready"])
	}
	if sum(f, "leadworker_department_pause_longest_seconds", nil) <= 0 {
		t.Error("leadworker_department_pause_longest_seconds = 0 while a department is paused")
	}
	var listed struct {
		Paused      int `json:"paused"`
		Departments []struct {
			Department string     `json:"department"`
			Reason     string     `json:"reason"`
			LastProbe  *time.Time `json:"lastProbe"`
		} `json:"departments"`
	}
	testkit.WaitFor(t, 10*time.Second, "GET /admin/departments to show a probe of the department", func() bool {
		code := p.admin(t, http.MethodGet, "/admin/departments", &listed)
		return code == http.StatusOK && listed.Paused == 1 && len(listed.Departments) == 1 && listed.Departments[0].LastProbe != nil
	})
	if d := listed.Departments[0]; d.Department != forbidden || d.Reason != guard.ReasonScope {
		t.Errorf("GET /admin/departments = %+v; want %s paused for scope", listed, forbidden)
	}
	if got, dead := p.answered(t); dead != 0 || func() bool {
		for id, d := range of {
			if d == forbidden && got[id] {
				return true
			}
		}
		return false
	}() {
		t.Fatalf("while forbidden: %d dead letters, or a forbidden event answered; want neither", dead)
	}

	grant()
	if code := p.admin(t, http.MethodPost, "/admin/resume?department="+forbidden, nil); code != http.StatusOK {
		t.Errorf("POST /admin/resume?department=%s = %d; want 200", forbidden, code)
	}
	testkit.WaitFor(t, 30*time.Second, "every event to be answered once the scope is granted", p.allAnswered(t, of, func(string) bool { return true }))
	if _, dead := p.answered(t); dead != 0 {
		t.Errorf("dead letters = %d; want none", dead)
	}
	testkit.WaitFor(t, 10*time.Second, "the department to be listed no more", func() bool { return p.readyBody(t).Paused == 0 })
	if !p.logged("department paused") || !p.logged("department resumed") {
		t.Error("want one log line when the department pauses and one when it resumes")
	}
	if code := p.admin(t, http.MethodPost, "/admin/resume?department="+forbidden, nil); code != http.StatusNotFound {
		t.Errorf("POST /admin/resume?department= of a department not paused = %d; want 404", code)
	}
}

// TestDepartmentOutageDoesNotOpenTheCircuit: one department answers 503 to
// every call. Its own circuit opens and pauses it alone: the global circuit
// stays closed, the others' events are answered, the worker stays ready; when
// the outage ends, its events are answered and none is dead-lettered.
func TestDepartmentOutageDoesNotOpenTheCircuit(t *testing.T) {
	p := startPipeline(t, func(c *worker.Config) {
		c.Guards.Circuit = guard.CircuitOptions{Consecutive: 5, MinEvents: 2, WindowCalls: 20}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const down = "dept-down"
	recover := p.fake.AddFault(mykaarmatest.Fault{Department: down, Status: http.StatusServiceUnavailable})
	events, of := inDepartments(t, leadEvents(t, "outage", 30), "dept-a", down, "dept-b")
	if err := sandbox.Produce(ctx, p.cfg, events); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 30*time.Second, "the healthy departments' events to be answered", p.allAnswered(t, of, func(d string) bool { return d != down }))
	testkit.WaitFor(t, 10*time.Second, "the department to be paused by its circuit", func() bool {
		return sum(p.scrape(t), "leadworker_departments_paused", map[string]string{"reason": "circuit"}) == 1
	})
	if r := p.readyBody(t); r.status != http.StatusOK || len(r.Departments) != 1 || r.Departments[0].Department != down || r.Departments[0].Reason != guard.ReasonCircuit {
		t.Errorf("/readyz = %+v; want 200 listing %s paused for circuit", r, down)
	}
	recover()
	testkit.WaitFor(t, 30*time.Second, "every event to be answered after the outage", p.allAnswered(t, of, func(string) bool { return true }))
	if _, dead := p.answered(t); dead != 0 {
		t.Errorf("dead letters = %d; want none from an outage", dead)
	}
	if p.logged("circuit open") {
		t.Error("one department's outage opened the global circuit")
	}
}

// TestCredentialsRefusedPauseEveryDepartment: a 401 is the credentials', not
// a department's: every department waits, /readyz answers 503, and no
// department is listed as paused; with the credentials back, all are answered.
func TestCredentialsRefusedPauseEveryDepartment(t *testing.T) {
	p := startPipeline(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p.fake.SetCredentials("rotated", "elsewhere")
	events, of := inDepartments(t, leadEvents(t, "auth", 6), "dept-a", "dept-b", "dept-c")
	if err := sandbox.Produce(ctx, p.cfg, events); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 20*time.Second, "work to pause for refused credentials", func() bool {
		return sum(p.scrape(t), "leadworker_paused", map[string]string{"reason": guard.ReasonAuth}) == 1
	})
	if r := p.readyBody(t); r.status != http.StatusServiceUnavailable || r.Paused != 0 {
		t.Errorf("/readyz = %+v; want 503 and no department listed", r)
	}
	if got, _ := p.answered(t); len(got) != 0 {
		t.Errorf("%d events answered with the credentials refused; want 0", len(got))
	}
	p.fake.SetCredentials(p.cfg.Username, p.cfg.Password)
	testkit.WaitFor(t, 30*time.Second, "every event to be answered with the credentials back", p.allAnswered(t, of, func(string) bool { return true }))
	if _, dead := p.answered(t); dead != 0 {
		t.Errorf("dead letters = %d; want none", dead)
	}
}
