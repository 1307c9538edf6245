package guard

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus/hooks/test"
)

// TestDepartmentScopePauseProbesAndResumes: a department paused for a
// missing scope turns its events away at once, lets one through as the probe
// on the backoff, and resumes when the probe gets through; other departments
// are never affected.
func TestDepartmentScopePauseProbesAndResumes(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Unix(1000, 0)}
	log, hook := test.NewNullLogger()
	d := NewDepartments(clk.now, time.Second, 4*time.Second, 0, log)

	if !d.Pause("a", ReasonScope, nil) || d.Pause("a", ReasonScope, nil) {
		t.Fatal("Pause(a, scope) twice: want true, then false")
	}
	// enter is one event's turn: "run", "probe" or "paused".
	enter := func(dept string) string {
		probe, err := d.Enter(dept)
		var pe *DepartmentPausedError
		switch {
		case err == nil && probe:
			return "probe"
		case err == nil:
			return "run"
		case errors.Is(err, ErrDepartmentPaused) && errors.As(err, &pe) && pe.Department == dept && pe.Reason == ReasonScope:
			return "paused"
		}
		t.Fatalf("Enter(%s) = %v, %v", dept, probe, err)
		return ""
	}
	steps := []struct {
		name    string
		advance time.Duration
		dept    string
		want    string
		then    func()
	}{
		{name: "another department runs", dept: "b", want: "run"},
		{name: "before the backoff: turned away", dept: "a", want: "paused"},
		{name: "after the backoff: the probe", advance: time.Second, dept: "a", want: "probe"},
		{name: "while the probe is out: turned away", dept: "a", want: "paused",
			then: func() { d.Exit("a", true) }}, // the probe met a 403 again: backoff 2s
		{name: "one second later: still backing off", advance: time.Second, dept: "a", want: "paused"},
		{name: "two seconds later: the next probe", advance: time.Second, dept: "a", want: "probe",
			then: func() { d.Release("a", true) }}, // it never called myKaarma
		{name: "a released turn is taken at once", dept: "a", want: "probe",
			then: func() {
				if !d.Resume("a", ReasonScope) {
					t.Error("Resume(a, scope) = false; want true")
				}
				d.Exit("a", true)
			}},
		{name: "resumed", dept: "a", want: "run"},
	}
	for _, s := range steps {
		clk.add(s.advance)
		if got := enter(s.dept); got != s.want {
			t.Fatalf("%s: Enter(%s) = %s; want %s", s.name, s.dept, got, s.want)
		}
		if s.then != nil {
			s.then()
		}
	}
	var paused, resumed int
	for _, e := range hook.AllEntries() {
		if strings.HasPrefix(e.Message, "department paused") && e.Data["department"] == "a" && e.Data["reason"] == ReasonScope {
			paused++
		}
		if strings.HasPrefix(e.Message, "department resumed") && e.Data["department"] == "a" && e.Data["probes"] == 3 {
			resumed++
		}
	}
	if paused != 1 || resumed != 1 {
		t.Errorf("log lines: %d paused, %d resumed; want one each, with the department, reason and probes", paused, resumed)
	}
}

// TestDepartmentReasons: a department paused for a scope and its circuit
// resumes only when both are lifted.
func TestDepartmentReasons(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Unix(1000, 0)}
	d := NewDepartments(clk.now, time.Minute, time.Minute, 0, nil)
	d.Pause("a", ReasonCircuit, nil)
	clk.add(time.Second)
	d.Pause("a", ReasonScope, nil)
	d.Pause("b", ReasonScope, nil)
	byReason, longest := d.Summary()
	if byReason[ReasonScope] != 2 || byReason[ReasonCircuit] != 1 || longest != time.Second {
		t.Errorf("Summary() = %v, %v; want scope 2, circuit 1, longest 1s", byReason, longest)
	}
	_, err := d.Enter("a")
	var pe *DepartmentPausedError
	if !errors.As(err, &pe) || pe.Reason != ReasonCircuit || !pe.Since.Equal(time.Unix(1000, 0)) {
		t.Errorf("Enter(a) = %v; want paused for circuit (its first reason) since 1000", err)
	}
	d.Resume("a", ReasonCircuit)
	if !d.IsPaused("a") {
		t.Fatal("a resumed with its scope still missing")
	}
	d.Resume("a", ReasonScope)
	if d.IsPaused("a") {
		t.Fatal("a still paused with no reason left")
	}
	if got := d.Paused(); len(got) != 1 || got[0].Department != "b" {
		t.Errorf("Paused() = %+v; want b alone", got)
	}
}

// TestDepartmentProbeNow: an operator's probe lets the next event through at
// once, however far the backoff had grown.
func TestDepartmentProbeNow(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Unix(1000, 0)}
	d := NewDepartments(clk.now, time.Minute, time.Hour, 0, nil)
	if d.ProbeNow("a") {
		t.Error("ProbeNow of a department not paused = true; want false")
	}
	d.Pause("a", ReasonScope, nil)
	if probe, err := d.Enter("a"); probe || err == nil {
		t.Fatalf("Enter(a) before the backoff = %v, %v; want turned away", probe, err)
	}
	if !d.ProbeNow("a") {
		t.Fatal("ProbeNow(a) = false; want true")
	}
	if probe, err := d.Enter("a"); !probe || err != nil {
		t.Fatalf("Enter(a) after ProbeNow = %v, %v; want the probe", probe, err)
	}
	got := d.Paused()
	if len(got) != 1 || got[0].Probes != 1 || !got[0].LastProbe.Equal(clk.now()) {
		t.Errorf("Paused() = %+v; want one probe made now", got)
	}
}

// TestDepartmentsBound: beyond the bound, a new department is not paused,
// and one line says so.
func TestDepartmentsBound(t *testing.T) {
	t.Parallel()
	log, hook := test.NewNullLogger()
	d := NewDepartments(nil, time.Second, time.Second, 2, log)
	for _, dept := range []string{"a", "b", "c", "d"} {
		d.Pause(dept, ReasonScope, nil)
	}
	if !d.IsPaused("a") || !d.IsPaused("b") || d.IsPaused("c") || d.IsPaused("d") {
		t.Errorf("paused: %+v; want a and b only", d.Paused())
	}
	var refused int
	for _, e := range hook.AllEntries() {
		if strings.HasPrefix(e.Message, "too many departments paused") {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d lines about refused pauses; want 1", refused)
	}
	if d.Pause("", ReasonScope, nil) {
		t.Error("an empty department was paused")
	}
}

func TestNilDepartmentsPauseNothing(t *testing.T) {
	t.Parallel()
	var d *Departments
	if d.Pause("a", ReasonScope, nil) || d.IsPaused("a") {
		t.Error("a nil Departments paused a department")
	}
	if probe, err := d.Enter("a"); probe || err != nil {
		t.Errorf("nil Departments: Enter = %v, %v; want false, nil", probe, err)
	}
}
