package main

import (
	"context"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock for the gate.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestAuthGate(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	g := newAuthGate(clk.now, time.Second, 8*time.Second)
	ctx := context.Background()

	if probe, err := g.enter(ctx); probe || err != nil {
		t.Fatalf("open gate: enter() = %v, %v; want false, nil", probe, err)
	}
	if paused, _ := g.exit(false, true); !paused || !g.isPaused() {
		t.Fatal("a refused call did not pause the gate")
	}
	if paused, _ := g.exit(false, true); paused {
		t.Error("a second refusal reported pausing again; want one actionable log line only")
	}

	// Before the probe backoff passes, nobody gets through.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	if _, err := g.enter(short); err == nil {
		t.Error("enter() went through before the probe backoff passed")
	}
	cancel()

	clk.add(time.Second)
	probe, err := g.enter(ctx)
	if !probe || err != nil {
		t.Fatalf("after backoff: enter() = %v, %v; want the probe", probe, err)
	}
	// While one probe is out, others wait.
	short, cancel = context.WithTimeout(ctx, 20*time.Millisecond)
	if _, err := g.enter(short); err == nil {
		t.Error("a second caller got through while a probe is out")
	}
	cancel()
	g.exit(true, true) // probe refused: backoff doubles to 2s
	clk.add(time.Second)
	short, cancel = context.WithTimeout(ctx, 20*time.Millisecond)
	if _, err := g.enter(short); err == nil {
		t.Error("probe allowed before the doubled backoff")
	}
	cancel()
	clk.add(time.Second)
	probe, _ = g.enter(ctx)
	if _, resumed := g.exit(probe, false); !resumed || g.isPaused() {
		t.Fatal("a successful probe did not reopen the gate")
	}
	if probe, err := g.enter(ctx); probe || err != nil {
		t.Errorf("reopened gate: enter() = %v, %v; want false, nil", probe, err)
	}
}
