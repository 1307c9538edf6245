package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
	"github.com/sirupsen/logrus/hooks/test"
)

func TestCircuitOpensAcrossEventsOnly(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	log, hook := test.NewNullLogger()
	g := newPauseGate(clk.now, time.Second, time.Second)
	c := newCircuit(circuitOptions{Consecutive: 4, MinEvents: 2, WindowCalls: 100}, g, clk.now, log)

	for range 10 {
		c.record("e1", true) // one event failing alone is its own problem
	}
	if c.isOpen() {
		t.Fatal("one event's failures opened the circuit")
	}
	gen := c.generation()
	c.record("e2", true)
	if !c.isOpen() || !g.isPaused(reasonCircuit) || !c.openedSince(gen) {
		t.Fatal("failures across two events did not open the circuit and pause work")
	}
	c.record("e3", true)
	c.record("e3", false)
	if c.isOpen() || g.isPaused(reasonCircuit) {
		t.Fatal("a successful call did not close the circuit")
	}
	if !c.openedSince(gen) {
		t.Error("openedSince(gen) = false after an open and close; want true")
	}
	if n := len(hook.AllEntries()); n != 2 {
		t.Errorf("logged %d lines; want one on open and one on close", n)
	}
}

func TestCircuitRatio(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	log, _ := test.NewNullLogger()
	g := newPauseGate(clk.now, time.Second, time.Second)
	c := newCircuit(circuitOptions{Consecutive: 1000, Ratio: 0.8, WindowCalls: 10, Window: 30 * time.Second, MinEvents: 3}, g, clk.now, log)
	// 8 of 10 failing, but spread over more than the window.
	for i := range 10 {
		c.record(fmt.Sprint("e", i), i%5 != 0)
		clk.add(5 * time.Second)
	}
	if c.isOpen() {
		t.Fatal("failures spread over more than the window opened the circuit")
	}
	for i := range 10 {
		c.record(fmt.Sprint("e", i), i%5 != 0)
	}
	if !c.isOpen() {
		t.Fatal("8 of the last 10 calls failing within the window did not open the circuit")
	}
}

func TestProcessorExhaustedWhileCircuitOpenIsNotDone(t *testing.T) {
	valid, err := os.ReadFile("../../examples/06-transient-failure.json")
	if err != nil {
		t.Fatal(err)
	}
	log, _ := test.NewNullLogger()
	g := newPauseGate(time.Now, time.Hour, time.Hour)
	c := newCircuit(circuitOptions{Consecutive: 1, MinEvents: 1}, g, time.Now, log)
	exhausted := &handlers.StepError{Step: "search", Attempts: 7, Err: errors.Join(handlers.ErrExhausted, mykaarma.ErrTransient)}
	// The circuit opens while the event is being retried.
	match := matcherFunc(func(ctx context.Context) (*handlers.Outcome, error) {
		c.record(eventOf(ctx), true)
		return nil, exhausted
	})
	p := &processor{match: match, gate: g, circuit: c, log: log, now: time.Now}
	out, err := p.Handle(context.Background(), &consumer.Message{Value: valid})
	if err == nil || out.DeadLetter != nil {
		t.Fatalf("Handle() = %+v, %v; want not done (retried later), not a dead letter", out, err)
	}
	if !errors.Is(err, handlers.ErrExhausted) {
		t.Errorf("Handle() error = %v; want it to wrap the handler's error", err)
	}
}

type matcherFunc func(ctx context.Context) (*handlers.Outcome, error)

func (f matcherFunc) Handle(ctx context.Context, _ *schemas.Event) (*handlers.Outcome, error) {
	return f(ctx)
}
