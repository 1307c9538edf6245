package guard

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

func TestPauseGateProbes(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	g := NewGate(clk.now, time.Second, 8*time.Second)
	ctx := context.Background()

	if probe, err := g.Enter(ctx); probe || err != nil {
		t.Fatalf("open gate: enter() = %v, %v; want false, nil", probe, err)
	}
	if !g.Pause(ReasonAuth, true) || !g.IsPaused(ReasonAuth) {
		t.Fatal("pause(auth) did not pause the gate")
	}
	if g.Pause(ReasonAuth, true) {
		t.Error("a second pause reported pausing again; want one actionable log line only")
	}

	// Before the probe backoff passes, nobody gets through.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	if _, err := g.Enter(short); err == nil {
		t.Error("enter() went through before the probe backoff passed")
	}
	cancel()

	clk.add(time.Second)
	probe, err := g.Enter(ctx)
	if !probe || err != nil {
		t.Fatalf("after backoff: enter() = %v, %v; want the probe", probe, err)
	}
	// While one probe is out, others wait.
	short, cancel = context.WithTimeout(ctx, 20*time.Millisecond)
	if _, err := g.Enter(short); err == nil {
		t.Error("a second caller got through while a probe is out")
	}
	cancel()
	g.Exit(true) // probe failed: backoff doubles to 2s
	clk.add(time.Second)
	short, cancel = context.WithTimeout(ctx, 20*time.Millisecond)
	if _, err := g.Enter(short); err == nil {
		t.Error("probe allowed before the doubled backoff")
	}
	cancel()
	clk.add(time.Second)
	probe, _ = g.Enter(ctx)
	g.Exit(probe)
	if !g.Resume(ReasonAuth) || g.IsPaused(ReasonAuth) {
		t.Fatal("resume(auth) did not reopen the gate")
	}
	if probe, err := g.Enter(ctx); probe || err != nil {
		t.Errorf("reopened gate: enter() = %v, %v; want false, nil", probe, err)
	}
}

func TestPauseGateWithoutProbes(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	g := NewGate(clk.now, time.Second, 8*time.Second)
	ctx := context.Background()
	g.Pause(ReasonCircuit, true)
	if err := g.Await(ctx); err != nil {
		t.Errorf("await() during a probed pause = %v; want work that does not call myKaarma to go ahead", err)
	}
	g.Pause(ReasonFlood, false)
	clk.add(time.Hour)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := g.Enter(short); err == nil {
		t.Error("enter() let a probe through during a flood pause")
	}
	if err := g.Await(short); err == nil {
		t.Error("await() went ahead during a flood pause")
	}
	entered := make(chan error, 1)
	go func() { entered <- g.Await(ctx) }()
	g.Resume(ReasonFlood)
	if err := <-entered; err != nil {
		t.Errorf("await() after resume = %v", err)
	}
	if got := g.Reasons(); len(got) != 1 || got[0] != ReasonCircuit {
		t.Errorf("reasons() = %v; want [circuit]", got)
	}
}

func TestAwaitClear(t *testing.T) {
	t.Parallel()
	g := NewGate(nil, time.Second, time.Second)
	if err := g.AwaitClear(context.Background()); err != nil {
		t.Fatalf("AwaitClear() on an open gate = %v", err)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	for _, r := range []string{ReasonAuth, ReasonCircuit, ReasonFlood} {
		g.Pause(r, r != ReasonFlood)
		if err := g.AwaitClear(ended); err == nil {
			t.Errorf("AwaitClear() = nil while paused for %s", r)
		}
		g.Resume(r)
	}
	g.Pause(ReasonAuth, true)
	done := make(chan error, 1)
	go func() { done <- g.AwaitClear(context.Background()) }()
	g.Resume(ReasonAuth)
	if err := <-done; err != nil {
		t.Errorf("AwaitClear() after resume = %v", err)
	}
}
