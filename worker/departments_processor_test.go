package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
	"github.com/sirupsen/logrus/hooks/test"
)

// inDepartment returns the example lead event moved to department dept.
func inDepartment(t *testing.T, dept string) []byte {
	t.Helper()
	b, err := os.ReadFile("../examples/06-transient-failure.json")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	v["departmentUuid"] = dept
	if b, err = json.Marshal(v); err != nil {
		t.Fatal(err)
	}
	return b
}

// deptMatcher answers each department as told and counts the calls.
type deptMatcher struct {
	errs  map[string]error // by department; absent: a result
	calls atomic.Int32
}

func (m *deptMatcher) Handle(ctx context.Context, ev *schemas.Event) (*handlers.Outcome, error) {
	m.calls.Add(1)
	if guard.DepartmentOf(ctx) != ev.DepartmentUUID {
		return nil, fmt.Errorf("the call's context carries department %q; want the event's %q", guard.DepartmentOf(ctx), ev.DepartmentUUID)
	}
	if err := m.errs[ev.DepartmentUUID]; err != nil {
		return nil, err
	}
	return &handlers.Outcome{Outcome: "SAVED", CustomerUUID: "c-1", CustomerAction: "created", MatchRule: "none", Attempts: 1}, nil
}

// TestProcessorDepartmentScope: a 403 pauses the event's department, not
// the worker. The department's next events return at once, without running,
// as guard.ErrDepartmentPaused; other departments go on; once the scope is
// granted, the department's probe resumes it.
func TestProcessorDepartmentScope(t *testing.T) {
	log, _ := test.NewNullLogger()
	gate := guard.NewGate(time.Now, time.Hour, time.Hour)
	depts := guard.NewDepartments(time.Now, time.Hour, time.Hour, 0, log)
	forbidden := &handlers.StepError{Step: "search", Attempts: 1, Err: fmt.Errorf("search: %w", mykaarma.ErrScope)}
	m := &deptMatcher{errs: map[string]error{"forbidden": forbidden}}
	p := &processor{match: m, gate: gate, depts: depts, log: log, now: time.Now, fin: testFinisher(log)}
	handle := func(dept string) (consumer.Outcome, error) {
		return p.Handle(context.Background(), &consumer.Message{Topic: "in", Value: inDepartment(t, dept)})
	}

	_, err := handle("forbidden")
	var pe *guard.DepartmentPausedError
	if !errors.As(err, &pe) || pe.Department != "forbidden" || pe.Reason != guard.ReasonScope || !errors.Is(err, mykaarma.ErrScope) {
		t.Fatalf("Handle(403) error = %v; want a DepartmentPausedError for forbidden (scope) wrapping the 403", err)
	}
	if !depts.IsPaused("forbidden") || gate.IsPaused(guard.ReasonAuth) {
		t.Fatalf("after a 403: department paused %v, worker paused %v; want the department alone", depts.IsPaused("forbidden"), gate.Reasons())
	}

	calls := m.calls.Load()
	start := time.Now()
	_, err = handle("forbidden")
	if !errors.Is(err, guard.ErrDepartmentPaused) || !errors.As(err, &pe) || pe.Err != nil {
		t.Fatalf("Handle(paused department) error = %v; want guard.ErrDepartmentPaused, turned away before calling myKaarma", err)
	}
	if m.calls.Load() != calls || time.Since(start) > time.Second {
		t.Error("an event of a paused department ran the handler or waited")
	}

	out, err := handle("healthy")
	if err != nil || out.Result == nil {
		t.Fatalf("Handle(healthy department) = %+v, %v; want its result", out, err)
	}

	delete(m.errs, "forbidden") // the scope is granted
	depts.ProbeNow("forbidden")
	if out, err := handle("forbidden"); err != nil || out.Result == nil {
		t.Fatalf("Handle(probe after the grant) = %+v, %v; want its result", out, err)
	}
	if depts.IsPaused("forbidden") {
		t.Error("a successful probe did not resume the department")
	}
}

// TestProcessorDepartmentCircuit: an event whose retries ran out while its
// department's circuit opened is not done (retried later), not
// dead-lettered; one whose retries ran out while another department's
// circuit opened is dead-lettered.
func TestProcessorDepartmentCircuit(t *testing.T) {
	log, _ := test.NewNullLogger()
	gate := guard.NewGate(time.Now, time.Hour, time.Hour)
	depts := guard.NewDepartments(time.Now, time.Hour, time.Hour, 0, log)
	c := guard.NewCircuit(guard.CircuitOptions{Consecutive: 1, MinEvents: 1}, gate, depts, time.Now, log)
	exhausted := &handlers.StepError{Step: "search", Attempts: 7, Err: errors.Join(handlers.ErrExhausted, mykaarma.ErrTransient)}
	// The department's circuit opens while the event is being retried.
	match := matcherFunc(func(ctx context.Context) (*handlers.Outcome, error) {
		if guard.DepartmentOf(ctx) == "failing" {
			c.Record(guard.EventOf(ctx), "failing", guard.CallFailed)
		}
		return nil, exhausted
	})
	p := &processor{match: match, gate: gate, depts: depts, circuit: c, log: log, now: time.Now, fin: testFinisher(log)}

	out, err := p.Handle(context.Background(), &consumer.Message{Value: inDepartment(t, "failing")})
	if !errors.Is(err, guard.ErrDepartmentPaused) || !errors.Is(err, handlers.ErrExhausted) || out.DeadLetter != nil {
		t.Fatalf("Handle() = %+v, %v; want not done (department paused, wrapping the exhausted error)", out, err)
	}
	if c.IsOpen() || gate.IsPaused(guard.ReasonCircuit) {
		t.Error("one department's failures opened the global circuit")
	}
	out, err = p.Handle(context.Background(), &consumer.Message{Value: inDepartment(t, "other")})
	if err != nil || out.DeadLetter == nil {
		t.Fatalf("Handle(other department) = %+v, %v; want a dead letter (its own retries ran out)", out, err)
	}
}
