package guard

import "time"

// counter is one stream of calls as the circuit's thresholds see it: the run
// of consecutive failures with the events it came from, and the last
// WindowCalls calls. The circuit keeps one per department and two global
// ones.
type counter struct {
	run       int                 // consecutive failures
	runEvents map[string]struct{} // events with a failure in run; nil until the first
	recent    []call              // the last WindowCalls calls, oldest first
}

type call struct {
	at     time.Time
	event  string
	failed bool
}

// add notes one call; window is WindowCalls.
func (k *counter) add(at time.Time, event string, failed bool, window int) {
	k.recent = append(k.recent, call{at: at, event: event, failed: failed})
	if len(k.recent) > window {
		k.recent = k.recent[len(k.recent)-window:]
	}
	if !failed {
		k.run = 0
		clear(k.runEvents)
		return
	}
	k.run++
	if k.runEvents == nil {
		k.runEvents = make(map[string]struct{})
	}
	k.runEvents[event] = struct{}{}
}

// tripped applies the thresholds of o at now: Consecutive failures from
// MinEvents events, or a failed share of at least Ratio among at least
// WindowCalls calls within Window, from MinEvents events.
func (k *counter) tripped(now time.Time, o CircuitOptions) bool {
	if k.run >= o.Consecutive && len(k.runEvents) >= o.MinEvents {
		return true
	}
	var n, failed int
	events := make(map[string]struct{})
	for _, c := range k.recent {
		if now.Sub(c.at) > o.Window {
			continue
		}
		n++
		if c.failed {
			failed++
			events[c.event] = struct{}{}
		}
	}
	return n >= o.WindowCalls && float64(failed) >= o.Ratio*float64(n) && len(events) >= o.MinEvents
}

// failing reports whether the calls since since include a failure and fail
// at least at ratio: what makes a department count as failing for the
// global circuit.
func (k *counter) failing(since time.Time, ratio float64) bool {
	var n, failed int
	for _, c := range k.recent {
		if c.at.Before(since) {
			continue
		}
		n++
		if c.failed {
			failed++
		}
	}
	return failed > 0 && float64(failed) >= ratio*float64(n)
}
