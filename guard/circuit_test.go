package guard

import (
	"fmt"
	"testing"
	"time"

	"github.com/sirupsen/logrus/hooks/test"
)

// rec is one call for the circuit tests: event, department, outcome.
type rec struct {
	event, dept string
	o           CallOutcome
}

func TestCircuitOpensAcrossEventsOnly(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	log, hook := test.NewNullLogger()
	g := NewGate(clk.now, time.Second, time.Second)
	c := NewCircuit(CircuitOptions{Consecutive: 4, MinEvents: 2, WindowCalls: 100}, g, nil, clk.now, log)

	for range 10 {
		c.Record("e1", "", CallUnanswered) // one event failing alone is its own problem
	}
	if c.IsOpen() {
		t.Fatal("one event's failures opened the circuit")
	}
	gen := c.Generation()
	c.Record("e2", "", CallUnanswered)
	if !c.IsOpen() || !g.IsPaused(ReasonCircuit) || !c.OpenedSince(gen) {
		t.Fatal("failures across two events did not open the circuit and pause work")
	}
	c.Record("e3", "", CallUnanswered)
	c.Record("e3", "", CallOK)
	if c.IsOpen() || g.IsPaused(ReasonCircuit) {
		t.Fatal("a successful call did not close the circuit")
	}
	if !c.OpenedSince(gen) {
		t.Error("openedSince(gen) = false after an open and close; want true")
	}
	if n := len(hook.AllEntries()); n != 2 {
		t.Errorf("logged %d lines; want one on open and one on close", n)
	}
}

func TestCircuitRatio(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	log, _ := test.NewNullLogger()
	g := NewGate(clk.now, time.Second, time.Second)
	c := NewCircuit(CircuitOptions{Consecutive: 1000, Ratio: 0.8, WindowCalls: 10, Window: 30 * time.Second, MinEvents: 3}, g, nil, clk.now, log)
	outcome := func(i int) CallOutcome {
		if i%5 != 0 {
			return CallUnanswered
		}
		return CallOK
	}
	// 8 of 10 failing, but spread over more than the window.
	for i := range 10 {
		c.Record(fmt.Sprint("e", i), "", outcome(i))
		clk.add(5 * time.Second)
	}
	if c.IsOpen() {
		t.Fatal("failures spread over more than the window opened the circuit")
	}
	for i := range 10 {
		c.Record(fmt.Sprint("e", i), "", outcome(i))
	}
	if !c.IsOpen() {
		t.Fatal("8 of the last 10 calls failing within the window did not open the circuit")
	}
}

// TestCircuitDepartments: which failures open a department's circuit, which
// open the global one. Options: 4 consecutive failures from 2 events, 3
// failing departments that are half of those called.
func TestCircuitDepartments(t *testing.T) {
	t.Parallel()
	// calls returns n failing calls of dept, from events dept-0, dept-1, ...
	fail := func(dept string, n int) []rec {
		var out []rec
		for i := range n {
			out = append(out, rec{fmt.Sprintf("%s-%d", dept, i%3), dept, CallFailed})
		}
		return out
	}
	ok := func(dept string, n int) []rec {
		var out []rec
		for i := range n {
			out = append(out, rec{fmt.Sprintf("%s-ok-%d", dept, i), dept, CallOK})
		}
		return out
	}
	seq := func(parts ...[]rec) []rec {
		var out []rec
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name       string
		calls      []rec
		wantGlobal bool
		wantOpen   []string // departments whose circuit is open
	}{
		{name: "one department failing alone opens its own circuit",
			calls: seq(ok("b", 5), fail("a", 6), ok("c", 5)), wantOpen: []string{"a"}},
		{name: "one department failing while nothing else is called: still its own",
			calls: fail("a", 30), wantOpen: []string{"a"}},
		{name: "one event failing alone opens nothing",
			calls: seq(ok("b", 3), []rec{{"a-0", "a", CallFailed}, {"a-0", "a", CallFailed}, {"a-0", "a", CallFailed}, {"a-0", "a", CallFailed}, {"a-0", "a", CallFailed}})},
		{name: "two departments failing of two: below the minimum of three",
			calls: seq(fail("a", 6), fail("b", 6)), wantOpen: []string{"a", "b"}},
		{name: "three departments failing together: global",
			calls: seq(fail("a", 2), fail("b", 2), fail("c", 2)), wantGlobal: true},
		{name: "three failing of eight called: not half, stays per department",
			calls:    seq(ok("d", 2), ok("e", 2), ok("f", 2), ok("g", 2), ok("h", 2), fail("a", 6), fail("b", 6), fail("c", 6)),
			wantOpen: []string{"a", "b", "c"}},
		{name: "three failing of six called: half, global",
			calls:      seq(ok("d", 1), ok("e", 1), ok("f", 1), fail("a", 3), fail("b", 3), fail("c", 3), fail("a", 3), fail("b", 3)),
			wantGlobal: true, wantOpen: []string{"a", "b"}},
		{name: "failures interleaved with successes of the same departments: nothing",
			calls: seq(fail("a", 1), ok("a", 1), fail("b", 1), ok("b", 1), fail("c", 1), ok("c", 1), fail("a", 1), ok("a", 1))},
		{name: "timeouts count globally, not per department",
			calls: []rec{{"e1", "a", CallUnanswered}, {"e2", "b", CallUnanswered}, {"e3", "a", CallUnanswered}, {"e4", "a", CallUnanswered}}, wantGlobal: true},
		{name: "a department's success closes its circuit",
			calls: seq(fail("a", 6), ok("a", 1))},
		{name: "status failures without a department count globally",
			calls: fail("", 4), wantGlobal: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := &clock{t: time.Unix(1000, 0)}
			g := NewGate(clk.now, time.Second, time.Second)
			d := NewDepartments(clk.now, time.Second, time.Second, 0, nil)
			c := NewCircuit(CircuitOptions{Consecutive: 4, MinEvents: 2, WindowCalls: 20, Window: 30 * time.Second}, g, d, clk.now, nil)
			for _, r := range tt.calls {
				c.Record(r.event, r.dept, r.o)
				clk.add(10 * time.Millisecond)
			}
			if got := c.IsOpen(); got != tt.wantGlobal || g.IsPaused(ReasonCircuit) != tt.wantGlobal {
				t.Errorf("global circuit open = %v, gate paused = %v; want %v", got, g.IsPaused(ReasonCircuit), tt.wantGlobal)
			}
			var open []string
			for _, dept := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
				if c.DepartmentOpen(dept) {
					open = append(open, dept)
				}
				if c.DepartmentOpen(dept) != d.IsPaused(dept) {
					t.Errorf("department %s: circuit open %v, paused %v; want them equal", dept, c.DepartmentOpen(dept), d.IsPaused(dept))
				}
			}
			if fmt.Sprint(open) != fmt.Sprint(tt.wantOpen) {
				t.Errorf("open department circuits = %v; want %v", open, tt.wantOpen)
			}
		})
	}
}

// TestCircuitDepartmentOpenedSince: an event that ran out of retries while
// its department's circuit opened is told so; another department's is not.
func TestCircuitDepartmentOpenedSince(t *testing.T) {
	t.Parallel()
	d := NewDepartments(nil, time.Second, time.Second, 0, nil)
	c := NewCircuit(CircuitOptions{Consecutive: 2, MinEvents: 2}, NewGate(nil, time.Second, time.Second), d, nil, nil)
	gen := c.Generation()
	c.Record("a1", "a", CallFailed)
	c.Record("a2", "a", CallFailed)
	if !c.DepartmentOpenedSince(gen, "a") || c.DepartmentOpenedSince(gen, "b") || c.OpenedSince(gen) {
		t.Fatalf("after a opened: a %v, b %v, global %v; want true, false, false",
			c.DepartmentOpenedSince(gen, "a"), c.DepartmentOpenedSince(gen, "b"), c.OpenedSince(gen))
	}
	c.Record("a3", "a", CallOK)
	if c.DepartmentOpen("a") || d.IsPaused("a") {
		t.Fatal("a's success did not close its circuit and resume it")
	}
	if !c.DepartmentOpenedSince(gen, "a") {
		t.Error("DepartmentOpenedSince(gen, a) = false after an open and close; want true")
	}
	if later := c.Generation(); c.DepartmentOpenedSince(later, "a") {
		t.Error("DepartmentOpenedSince(a generation taken after it closed) = true; want false")
	}
}

// TestCircuitForgetsLeastRecentlyCalled: per-department state is bounded;
// the least recently called department goes first, and an open one forgotten
// resumes its department.
func TestCircuitForgetsLeastRecentlyCalled(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Unix(1000, 0)}
	d := NewDepartments(clk.now, time.Second, time.Second, 0, nil)
	c := NewCircuit(CircuitOptions{Consecutive: 2, MinEvents: 2, MaxDepartments: 3}, NewGate(clk.now, time.Second, time.Second), d, clk.now, nil)
	c.Record("a1", "a", CallFailed)
	c.Record("a2", "a", CallFailed)
	if !d.IsPaused("a") {
		t.Fatal("a did not open")
	}
	for _, dept := range []string{"b", "c"} {
		clk.add(time.Minute) // outside the window: no spread over departments
		c.Record(dept+"1", dept, CallOK)
	}
	c.Record("b2", "b", CallOK) // b is now the most recently called, a the least
	if got := len(c.byDept); got != 3 {
		t.Fatalf("departments counted = %d; want 3", got)
	}
	c.Record("d1", "d", CallOK) // one too many: a goes
	if _, ok := c.byDept["a"]; ok || len(c.byDept) != 3 || c.lru.Len() != 3 {
		t.Fatalf("after a fourth department: counted %v; want a forgotten and 3 left", keys(c.byDept))
	}
	if d.IsPaused("a") {
		t.Error("a's open circuit was forgotten but a is still paused")
	}
	for _, dept := range []string{"b", "c", "d"} {
		if _, ok := c.byDept[dept]; !ok {
			t.Errorf("%s was forgotten; want only the least recently called (a) gone", dept)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestCircuitSpreadCountsSinceItClosed: after the global circuit closes, the
// failures that opened it do not open it again; new ones do.
func TestCircuitSpreadCountsSinceItClosed(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Unix(1000, 0)}
	g := NewGate(clk.now, time.Second, time.Second)
	c := NewCircuit(CircuitOptions{Consecutive: 3, MinEvents: 2, WindowCalls: 20, Window: 30 * time.Second}, g, NewDepartments(clk.now, time.Second, time.Second, 0, nil), clk.now, nil)
	for _, dept := range []string{"a", "b", "c"} {
		c.Record(dept+"1", dept, CallFailed)
	}
	if !c.IsOpen() {
		t.Fatal("three departments failing did not open the global circuit")
	}
	clk.add(time.Second)
	c.Record("d1", "d", CallOK) // the probe of a healthy department
	if c.IsOpen() {
		t.Fatal("a success did not close the global circuit")
	}
	for i := range 3 {
		clk.add(time.Second)
		c.Record(fmt.Sprint("a", i+2), "a", CallFailed) // a alone, again
	}
	if c.IsOpen() {
		t.Fatal("one department's failures reopened the global circuit with the old failures of others")
	}
	for _, dept := range []string{"b", "c"} {
		c.Record(dept+"2", dept, CallFailed)
	}
	if !c.IsOpen() {
		t.Fatal("new failures at three departments did not reopen the global circuit")
	}
}

func TestCircuitOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts CircuitOptions
		ok   bool
	}{
		{"defaults", CircuitOptions{}, true},
		{"disabled", CircuitOptions{Consecutive: -1}, true},
		{"ratio above one", CircuitOptions{Ratio: 1.01}, false},
		{"negative ratio", CircuitOptions{Ratio: -0.1}, false},
		{"negative window", CircuitOptions{Window: -time.Second}, false},
		{"department ratio above one", CircuitOptions{DepartmentRatio: 2}, false},
		{"negative department bound", CircuitOptions{MaxDepartments: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.opts.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v; want ok = %v", err, tt.ok)
			}
		})
	}
}
