package guard

import (
	"fmt"
	"testing"
	"time"

	"github.com/sirupsen/logrus/hooks/test"
)

func TestCircuitOpensAcrossEventsOnly(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	log, hook := test.NewNullLogger()
	g := NewGate(clk.now, time.Second, time.Second)
	c := NewCircuit(CircuitOptions{Consecutive: 4, MinEvents: 2, WindowCalls: 100}, g, clk.now, log)

	for range 10 {
		c.Record("e1", true) // one event failing alone is its own problem
	}
	if c.IsOpen() {
		t.Fatal("one event's failures opened the circuit")
	}
	gen := c.Generation()
	c.Record("e2", true)
	if !c.IsOpen() || !g.IsPaused(ReasonCircuit) || !c.OpenedSince(gen) {
		t.Fatal("failures across two events did not open the circuit and pause work")
	}
	c.Record("e3", true)
	c.Record("e3", false)
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
	c := NewCircuit(CircuitOptions{Consecutive: 1000, Ratio: 0.8, WindowCalls: 10, Window: 30 * time.Second, MinEvents: 3}, g, clk.now, log)
	// 8 of 10 failing, but spread over more than the window.
	for i := range 10 {
		c.Record(fmt.Sprint("e", i), i%5 != 0)
		clk.add(5 * time.Second)
	}
	if c.IsOpen() {
		t.Fatal("failures spread over more than the window opened the circuit")
	}
	for i := range 10 {
		c.Record(fmt.Sprint("e", i), i%5 != 0)
	}
	if !c.IsOpen() {
		t.Fatal("8 of the last 10 calls failing within the window did not open the circuit")
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.opts.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v; want ok = %v", err, tt.ok)
			}
		})
	}
}
