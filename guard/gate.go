package guard

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Pause reasons, as /readyz and leadworker_paused{reason} name them.
const (
	ReasonAuth    = "auth"      // myKaarma refuses the credentials (401); probed
	ReasonCircuit = "circuit"   // myKaarma fails for everything (or, for Departments, for one department); probed
	ReasonFlood   = "dlq-flood" // too many dead letters; until POST /admin/resume or a restart
)

// Gate pauses work for one or more reasons, so that no event is
// dead-lettered for a failure that is not the event's fault. While paused for
// probed reasons only, one caller at a time is let through as a probe, no more
// often than the probe backoff allows (it doubles while the pause lasts). A
// pause without probes lets nobody through until it is lifted.
type Gate struct {
	now        func() time.Time
	minBackoff time.Duration
	maxBackoff time.Duration

	mu      sync.Mutex
	pauses  map[string]*pause
	probing bool
	changed chan struct{} // closed and replaced on every state change
}

type pause struct {
	probes    bool
	backoff   time.Duration
	nextProbe time.Time
}

// NewGate returns an open gate whose probes back off from minBackoff to
// maxBackoff; now nil is time.Now.
func NewGate(now func() time.Time, minBackoff, maxBackoff time.Duration) *Gate {
	if now == nil {
		now = time.Now
	}
	return &Gate{now: now, minBackoff: minBackoff, maxBackoff: maxBackoff,
		pauses: make(map[string]*pause), changed: make(chan struct{})}
}

// enter waits until a call to myKaarma may go ahead. probe reports that the
// call is the one probe allowed while paused; pass it to exit.
func (g *Gate) Enter(ctx context.Context) (probe bool, err error) {
	return g.wait(ctx, true)
}

// await waits until no pause without probes is in effect: for work that does
// not call myKaarma (an invalid event is still dead-lettered while myKaarma is
// down, but not during a dead-letter flood).
func (g *Gate) Await(ctx context.Context) error {
	_, err := g.wait(ctx, false)
	return err
}

// AwaitClear waits until no pause of any kind is in effect: for work that
// feeds the rest (the route stage), which stops whenever the worker is
// paused, so that nothing piles up behind a pause.
func (g *Gate) AwaitClear(ctx context.Context) error {
	for {
		g.mu.Lock()
		clear, changed := len(g.pauses) == 0, g.changed
		g.mu.Unlock()
		if clear {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

func (g *Gate) wait(ctx context.Context, callsMyKaarma bool) (probe bool, err error) {
	for {
		g.mu.Lock()
		wait, blocked, probable := time.Duration(0), false, true
		now := g.now()
		for _, p := range g.pauses {
			switch {
			case !p.probes:
				blocked, probable = true, false
			case callsMyKaarma:
				blocked = true
				wait = max(wait, p.nextProbe.Sub(now))
			}
		}
		if !blocked {
			g.mu.Unlock()
			return false, nil
		}
		if probable && !g.probing && wait <= 0 {
			g.probing = true
			g.mu.Unlock()
			return true, nil
		}
		changed := g.changed
		g.mu.Unlock()
		if wait <= 0 {
			wait = g.maxBackoff
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-changed:
		case <-t.C:
		}
		t.Stop()
	}
}

// exit ends a call let through by enter. After a probe, every probed pause
// still in effect backs off further.
func (g *Gate) Exit(probe bool) {
	if !probe {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.probing = false
	for _, p := range g.pauses {
		if p.probes {
			p.backoff = min(2*p.backoff, g.maxBackoff)
			p.nextProbe = g.now().Add(p.backoff)
		}
	}
	g.broadcast()
}

// pause pauses work for reason; probes tells whether probes are let through.
// It reports whether the reason was new, so the caller logs one line.
func (g *Gate) Pause(reason string, probes bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.pauses[reason]; ok {
		return false
	}
	g.pauses[reason] = &pause{probes: probes, backoff: g.minBackoff, nextProbe: g.now().Add(g.minBackoff)}
	g.broadcast()
	return true
}

// resume lifts the pause for reason and reports whether it was in effect.
func (g *Gate) Resume(reason string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.pauses[reason]; !ok {
		return false
	}
	delete(g.pauses, reason)
	g.broadcast()
	return true
}

// reasons returns the pauses in effect, sorted; none means work goes ahead.
func (g *Gate) Reasons() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var rs []string
	for r := range g.pauses {
		rs = append(rs, r)
	}
	slices.Sort(rs)
	return rs
}

// isPaused reports whether work is paused for reason.
func (g *Gate) IsPaused(reason string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.pauses[reason]
	return ok
}

func (g *Gate) broadcast() {
	close(g.changed)
	g.changed = make(chan struct{})
}
