package guard

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// CircuitOptions decides when myKaarma is failing for everything rather than
// for one event. Zero fields take the defaults in brackets.
type CircuitOptions struct {
	// Consecutive transient call failures that open the circuit [10]; a
	// negative value disables the circuit.
	Consecutive int
	// Ratio of transient failures among the last WindowCalls calls made within
	// Window that opens the circuit [0.8].
	Ratio       float64
	WindowCalls int           // [20]
	Window      time.Duration // [30s]
	// MinEvents: the failures must come from at least this many different
	// events [3], so that one event that keeps failing while nothing else is
	// sent is dead-lettered as exhausted instead of pausing the worker.
	MinEvents int
}

// Validate reports settings that cannot work; zero fields are defaults.
func (o CircuitOptions) Validate() error {
	var errs []error
	if o.Ratio < 0 || o.Ratio > 1 {
		errs = append(errs, fmt.Errorf("circuit failure ratio %v: want a share in (0, 1]", o.Ratio))
	}
	if o.WindowCalls < 0 || o.Window < 0 || o.MinEvents < 0 {
		errs = append(errs, errors.New("circuit window and minimum events must not be negative"))
	}
	return errors.Join(errs...)
}

// DefaultCircuitOptions are the circuit's defaults.
func DefaultCircuitOptions() CircuitOptions {
	return CircuitOptions{Consecutive: 10, Ratio: 0.8, WindowCalls: 20, Window: 30 * time.Second, MinEvents: 3}
}

func (o CircuitOptions) withDefaults() CircuitOptions {
	d := DefaultCircuitOptions()
	if o.Consecutive == 0 {
		o.Consecutive = d.Consecutive
	}
	if o.Ratio == 0 {
		o.Ratio = d.Ratio
	}
	if o.WindowCalls == 0 {
		o.WindowCalls = d.WindowCalls
	}
	if o.Window == 0 {
		o.Window = d.Window
	}
	if o.MinEvents == 0 {
		o.MinEvents = d.MinEvents
	}
	return o
}

// circuit watches myKaarma calls (callTransport feeds it). When the calls fail
// across many events it opens: the pause gate stops new work and lets one
// probe event through at a time; the first call that does not fail
// transiently closes it again. Events whose retries ran out while it was open
// are not dead-lettered (see processor).
type Circuit struct {
	opts CircuitOptions
	now  func() time.Time
	gate *Gate
	log  logrus.FieldLogger

	mu        sync.Mutex
	open      bool
	opened    time.Time
	opens     uint64              // times opened, for openedSince
	run       int                 // consecutive transient failures
	runEvents map[string]struct{} // events with a failure in run
	recent    []call              // the last WindowCalls calls, oldest first
}

type call struct {
	at     time.Time
	event  string
	failed bool
}

// NewCircuit returns a circuit that pauses gate while it is open. now nil is
// time.Now; log nil is silent. opts must pass Validate.
func NewCircuit(opts CircuitOptions, gate *Gate, now func() time.Time, log logrus.FieldLogger) *Circuit {
	if now == nil {
		now = time.Now
	}
	return &Circuit{opts: opts.withDefaults(), now: now, gate: gate, log: orSilent(log), runEvents: make(map[string]struct{})}
}

// record notes the outcome of one myKaarma call made for event.
func (c *Circuit) Record(event string, transient bool) {
	if c == nil || c.opts.Consecutive < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.recent = append(c.recent, call{at: now, event: event, failed: transient})
	if len(c.recent) > c.opts.WindowCalls {
		c.recent = c.recent[len(c.recent)-c.opts.WindowCalls:]
	}
	if !transient {
		c.run = 0
		clear(c.runEvents)
		if c.open {
			c.open = false
			c.gate.Resume(ReasonCircuit)
			c.log.WithField("open_for", now.Sub(c.opened).Round(time.Millisecond).String()).
				Info("circuit closed: myKaarma answers again; resuming work")
		}
		return
	}
	c.run++
	c.runEvents[event] = struct{}{}
	if c.open || !c.tripped(now) {
		return
	}
	c.open, c.opened = true, now
	c.opens++
	c.gate.Pause(ReasonCircuit, true)
	c.log.WithFields(logrus.Fields{"consecutive_failures": c.run, "events": len(c.runEvents)}).
		Error("circuit open: myKaarma is failing for every event; new work is paused and /readyz answers 503, " +
			"events are probed one at a time and nothing is dead-lettered for it; work resumes by itself when a call succeeds")
}

// tripped applies the thresholds; c.mu is held.
func (c *Circuit) tripped(now time.Time) bool {
	if c.run >= c.opts.Consecutive && len(c.runEvents) >= c.opts.MinEvents {
		return true
	}
	var n, failed int
	events := make(map[string]struct{})
	for _, k := range c.recent {
		if now.Sub(k.at) > c.opts.Window {
			continue
		}
		n++
		if k.failed {
			failed++
			events[k.event] = struct{}{}
		}
	}
	return n >= c.opts.WindowCalls && float64(failed) >= c.opts.Ratio*float64(n) && len(events) >= c.opts.MinEvents
}

// generation returns a token for openedSince, taken before an event's calls.
func (c *Circuit) Generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opens
}

// openedSince reports whether the circuit is open now or opened after gen
// was taken: an event that ran out of retries then failed with everyone else.
func (c *Circuit) OpenedSince(gen uint64) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open || c.opens != gen
}

// isOpen reports whether the circuit is open.
func (c *Circuit) IsOpen() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open
}

// eventKey carries the event a myKaarma call is made for, for the circuit's
// count of distinct failing events.
type eventKey struct{}

func WithEvent(ctx context.Context, eventID string) context.Context {
	return context.WithValue(ctx, eventKey{}, eventID)
}

func EventOf(ctx context.Context) string {
	id, _ := ctx.Value(eventKey{}).(string)
	return id
}
