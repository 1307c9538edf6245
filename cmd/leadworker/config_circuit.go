package main

import (
	"fmt"
	"time"
)

// guardConfig configures what protects the worker on a bad day: the circuit
// breaker, the dead-letter flood guard and the lag metric. The zero value
// takes the defaults.
type guardConfig struct {
	Circuit     circuitOptions
	Flood       floodOptions
	ProbeMin    time.Duration // first wait before probing a paused myKaarma [1s]
	ProbeMax    time.Duration // longest wait between probes [30s]
	LagInterval time.Duration // how often consumer lag is computed [15s]
}

// loadGuardConfig reads the guards' variables (README.md, "On a bad day").
// loadConfig calls it with its env so that problems are reported together.
func loadGuardConfig(e *env) guardConfig {
	g := guardConfig{
		Circuit: circuitOptions{
			Consecutive: e.integer("CIRCUIT_FAILURE_THRESHOLD", 10, 0),
			Ratio:       e.float("CIRCUIT_FAILURE_RATIO", 0.8),
			WindowCalls: e.integer("CIRCUIT_WINDOW_CALLS", 20, 1),
			Window:      e.duration("CIRCUIT_WINDOW", 30*time.Second),
			MinEvents:   e.integer("CIRCUIT_MIN_EVENTS", 3, 1),
		},
		Flood: floodOptions{
			Ratio:       e.float("DLQ_FLOOD_RATIO", 0.5),
			Window:      e.integer("DLQ_FLOOD_WINDOW", 100, 1),
			MinEvents:   e.integer("DLQ_FLOOD_MIN_EVENTS", 20, 1),
			Consecutive: e.integer("DLQ_FLOOD_CONSECUTIVE", 50, 0),
		},
		ProbeMin:    e.duration("CIRCUIT_PROBE_MIN_INTERVAL", time.Second),
		ProbeMax:    e.duration("CIRCUIT_PROBE_MAX_INTERVAL", 30*time.Second),
		LagInterval: e.duration("LAG_INTERVAL", 15*time.Second),
	}
	if g.Circuit.Consecutive == 0 {
		g.Circuit.Consecutive = -1 // CIRCUIT_FAILURE_THRESHOLD=0 turns the circuit off
	}
	if g.Flood.Consecutive == 0 {
		g.Flood.Disabled = true // DLQ_FLOOD_CONSECUTIVE=0 turns the flood guard off
	}
	if r := g.Circuit.Ratio; r <= 0 || r > 1 {
		e.errs = append(e.errs, fmt.Errorf("CIRCUIT_FAILURE_RATIO=%v: want a share in (0, 1]", r))
	}
	if r := g.Flood.Ratio; r <= 0 || r > 1 {
		e.errs = append(e.errs, fmt.Errorf("DLQ_FLOOD_RATIO=%v: want a share in (0, 1]", r))
	}
	if g.Flood.MinEvents > g.Flood.Window {
		e.errs = append(e.errs, fmt.Errorf("DLQ_FLOOD_MIN_EVENTS=%d: want at most DLQ_FLOOD_WINDOW=%d", g.Flood.MinEvents, g.Flood.Window))
	}
	if g.ProbeMin > g.ProbeMax {
		e.errs = append(e.errs, fmt.Errorf("CIRCUIT_PROBE_MIN_INTERVAL=%v: want at most CIRCUIT_PROBE_MAX_INTERVAL=%v", g.ProbeMin, g.ProbeMax))
	}
	return g
}

func (g guardConfig) withDefaults() guardConfig {
	if g.ProbeMin == 0 {
		g.ProbeMin = time.Second
	}
	if g.ProbeMax == 0 {
		g.ProbeMax = 30 * time.Second
	}
	if g.LagInterval == 0 {
		g.LagInterval = 15 * time.Second
	}
	return g
}
