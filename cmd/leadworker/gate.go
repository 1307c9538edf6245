package main

import (
	"context"
	"sync"
	"time"
)

// authGate pauses work while myKaarma refuses the credentials (401/403): the
// operator must fix them, so no event is dead-lettered for it. While paused,
// one caller at a time is let through as a probe, no more often than the
// probe backoff allows; the first call that is not refused reopens the gate.
type authGate struct {
	now        func() time.Time
	minBackoff time.Duration
	maxBackoff time.Duration

	mu        sync.Mutex
	paused    bool
	probing   bool
	backoff   time.Duration
	nextProbe time.Time
	changed   chan struct{} // closed and replaced on every state change
}

func newAuthGate(now func() time.Time, minBackoff, maxBackoff time.Duration) *authGate {
	return &authGate{now: now, minBackoff: minBackoff, maxBackoff: maxBackoff, changed: make(chan struct{})}
}

// enter waits until a call may go ahead. probe reports that the call is the
// one probe allowed while paused; pass it to exit.
func (g *authGate) enter(ctx context.Context) (probe bool, err error) {
	for {
		g.mu.Lock()
		if !g.paused {
			g.mu.Unlock()
			return false, nil
		}
		wait := g.nextProbe.Sub(g.now())
		if !g.probing && wait <= 0 {
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

// exit records how a call went. It returns true when this call paused the
// gate (so the caller logs the one actionable error) or reopened it.
func (g *authGate) exit(probe, refused bool) (paused, resumed bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if probe {
		g.probing = false
	}
	switch {
	case refused && !g.paused:
		g.paused, paused = true, true
		g.backoff = g.minBackoff
		g.nextProbe = g.now().Add(g.backoff)
	case refused && probe:
		g.backoff = min(2*g.backoff, g.maxBackoff)
		g.nextProbe = g.now().Add(g.backoff)
	case !refused && g.paused:
		g.paused, resumed = false, true
	default:
		return false, false
	}
	close(g.changed)
	g.changed = make(chan struct{})
	return paused, resumed
}

// isPaused reports whether work is paused for refused credentials.
func (g *authGate) isPaused() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.paused
}
