package guard

import (
	"errors"
	"fmt"
	"sync"

	"github.com/sirupsen/logrus"
)

// FloodOptions decides when dead letters are a flood (a bad upstream deploy,
// a myKaarma change) rather than the odd bad event. Zero fields take the
// defaults in brackets.
type FloodOptions struct {
	// Ratio: stop when more than this share of the last Window finished
	// events was dead-lettered [0.5], once at least MinEvents finished [20].
	Ratio     float64
	Window    int // [100]
	MinEvents int // [20]
	// Consecutive dead letters that stop the worker regardless [50]; a
	// negative value turns the guard off.
	Consecutive int
}

// Validate reports settings that cannot work; zero fields are defaults.
func (o FloodOptions) Validate() error {
	var errs []error
	if o.Ratio < 0 || o.Ratio > 1 {
		errs = append(errs, fmt.Errorf("dead-letter flood ratio %v: want a share in (0, 1]", o.Ratio))
	}
	if o.Window < 0 || o.MinEvents < 0 {
		errs = append(errs, errors.New("dead-letter flood window and minimum must not be negative"))
	}
	if w := o.withDefaults(); w.MinEvents > w.Window {
		errs = append(errs, fmt.Errorf("dead-letter flood minimum %d: want at most the window %d", w.MinEvents, w.Window))
	}
	return errors.Join(errs...)
}

// DefaultFloodOptions are the flood guard's defaults.
func DefaultFloodOptions() FloodOptions {
	return FloodOptions{Ratio: 0.5, Window: 100, MinEvents: 20, Consecutive: 50}
}

func (o FloodOptions) withDefaults() FloodOptions {
	d := DefaultFloodOptions()
	if o.Ratio == 0 {
		o.Ratio = d.Ratio
	}
	if o.Window == 0 {
		o.Window = d.Window
	}
	if o.MinEvents == 0 {
		o.MinEvents = d.MinEvents
	}
	if o.Consecutive == 0 {
		o.Consecutive = d.Consecutive
	}
	return o
}

// off reports whether the guard is turned off.
func (o FloodOptions) off() bool { return o.Consecutive < 0 }

// Flood watches finished events (Record). When dead
// letters flood, it pauses the gate for ReasonFlood: records in flight
// finish, nothing new is handled, nothing is committed past them, and
// /readyz answers 503 until a restart or POST /admin/resume.
type Flood struct {
	opts FloodOptions
	gate *Gate
	log  logrus.FieldLogger

	mu     sync.Mutex
	recent []bool // dead-lettered?, oldest first, at most Window
	dead   int    // true entries in recent
	run    int    // consecutive dead letters
}

// NewFlood returns a flood guard that pauses gate; log nil is silent. opts
// must pass Validate.
func NewFlood(opts FloodOptions, gate *Gate, log logrus.FieldLogger) *Flood {
	return &Flood{opts: opts.withDefaults(), gate: gate, log: orSilent(log)}
}

// Record notes one finished event: dead reports whether it was dead-lettered.
func (f *Flood) Record(dead bool) {
	if f.opts.off() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recent = append(f.recent, dead)
	if dead {
		f.dead++
		f.run++
	} else {
		f.run = 0
	}
	if len(f.recent) > f.opts.Window {
		if f.recent[0] {
			f.dead--
		}
		f.recent = f.recent[1:]
	}
	n := len(f.recent)
	flood := f.run >= f.opts.Consecutive ||
		(n >= f.opts.MinEvents && float64(f.dead) > f.opts.Ratio*float64(n))
	if flood && f.gate.Pause(ReasonFlood, false) {
		f.log.WithFields(logrus.Fields{"dead_letters": f.dead, "of_events": n, "consecutive": f.run}).
			Error("dead-letter flood: too many events are being dead-lettered, so work is stopped instead of draining the input into the dead-letter topic. " +
				"Records in flight finish; nothing else is handled or committed and /readyz answers 503. " +
				"Look at the dead-letter topic's error.class and error.message headers, fix the cause, then POST /admin/resume (or restart) and replay with `leadworker dlq replay`.")
	}
}

// resume lifts a flood pause and forgets the history that caused it.
func (f *Flood) Resume() bool {
	f.mu.Lock()
	f.recent, f.dead, f.run = nil, 0, 0
	f.mu.Unlock()
	return f.gate.Resume(ReasonFlood)
}
