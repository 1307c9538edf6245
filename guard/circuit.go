package guard

import (
	"container/list"
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
	// sent is dead-lettered as exhausted instead of pausing the worker (or
	// its department).
	MinEvents int
	// Failures with an HTTP status open the global circuit only when they
	// span departments: at least MinDepartments departments [3] failing, and
	// at least DepartmentRatio [0.5] of the departments called within Window.
	MinDepartments  int
	DepartmentRatio float64
	// MaxDepartments bounds the departments whose calls are counted
	// [DefaultMaxDepartments]; the least recently called is forgotten first.
	MaxDepartments int
}

// Validate reports settings that cannot work; zero fields are defaults.
func (o CircuitOptions) Validate() error {
	var errs []error
	if o.Ratio < 0 || o.Ratio > 1 {
		errs = append(errs, fmt.Errorf("circuit failure ratio %v: want a share in (0, 1]", o.Ratio))
	}
	if o.DepartmentRatio < 0 || o.DepartmentRatio > 1 {
		errs = append(errs, fmt.Errorf("circuit department ratio %v: want a share in (0, 1]", o.DepartmentRatio))
	}
	if o.WindowCalls < 0 || o.Window < 0 || o.MinEvents < 0 || o.MinDepartments < 0 || o.MaxDepartments < 0 {
		errs = append(errs, errors.New("circuit window, minimum events and departments, and maximum departments must not be negative"))
	}
	return errors.Join(errs...)
}

// DefaultCircuitOptions are the circuit's defaults.
func DefaultCircuitOptions() CircuitOptions {
	return CircuitOptions{Consecutive: 10, Ratio: 0.8, WindowCalls: 20, Window: 30 * time.Second, MinEvents: 3,
		MinDepartments: 3, DepartmentRatio: 0.5, MaxDepartments: DefaultMaxDepartments}
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
	if o.MinDepartments == 0 {
		o.MinDepartments = d.MinDepartments
	}
	if o.DepartmentRatio == 0 {
		o.DepartmentRatio = d.DepartmentRatio
	}
	if o.MaxDepartments == 0 {
		o.MaxDepartments = d.MaxDepartments
	}
	return o
}

// CallOutcome is how one myKaarma call ended, as the circuit counts it.
type CallOutcome int

const (
	// CallOK: myKaarma answered with anything but a transient status (a 2xx,
	// a 4xx other than 408 and 429).
	CallOK CallOutcome = iota
	// CallFailed: myKaarma answered 5xx, 429 or 408. It counts against the
	// call's department.
	CallFailed
	// CallUnanswered: a timeout or a transport error, without a status. It
	// says nothing of a department and counts globally.
	CallUnanswered
)

// Circuit watches myKaarma calls (the worker's call transport feeds it) and
// opens per department or for everything, as the package doc describes. An
// open department circuit pauses that department in Departments; the open
// global circuit pauses the gate. Either lets one probe event through at a
// time and closes on the first call (of the department, or any call) that
// does not fail transiently. Events whose retries ran out while their
// department's circuit or the global one opened are not dead-lettered (see
// the worker's processor).
type Circuit struct {
	opts  CircuitOptions
	now   func() time.Time
	gate  *Gate
	depts *Departments
	log   logrus.FieldLogger

	mu         sync.Mutex
	open       bool
	opened     time.Time
	closed     time.Time // when it last closed: department failures before it no longer count toward opening it
	opens      uint64    // times opened, for OpenedSince
	unanswered counter   // calls without a status: successes and unanswered failures
	all        counter   // every call
	seq        uint64    // department circuits opened so far, for DepartmentOpenedSince
	lru        *list.List
	byDept     map[string]*list.Element // of lru, *deptCircuit values
}

// NewCircuit returns a circuit that pauses gate while it is open, and a
// department in depts while that department's circuit is open (depts nil:
// no department is paused, their failures still count). now nil is
// time.Now; log nil is silent. opts must pass Validate.
func NewCircuit(opts CircuitOptions, gate *Gate, depts *Departments, now func() time.Time, log logrus.FieldLogger) *Circuit {
	if now == nil {
		now = time.Now
	}
	return &Circuit{opts: opts.withDefaults(), now: now, gate: gate, depts: depts, log: orSilent(log),
		lru: list.New(), byDept: make(map[string]*list.Element)}
}

// Record notes the outcome of one myKaarma call made for event of department
// dept ("" when unknown: its failures then count globally, as unanswered
// ones do).
func (c *Circuit) Record(event, dept string, o CallOutcome) {
	if c == nil || c.opts.Consecutive < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	var d *deptCircuit
	if dept != "" {
		d = c.touch(dept, now)
	}
	if o == CallFailed && d == nil {
		o = CallUnanswered
	}
	c.all.add(now, event, o != CallOK, c.opts.WindowCalls)
	switch o {
	case CallOK:
		c.unanswered.add(now, event, false, c.opts.WindowCalls)
		if d != nil {
			d.calls.add(now, event, false, c.opts.WindowCalls)
			c.closeDepartment(d)
		}
		if c.open {
			c.open, c.closed = false, now
			c.gate.Resume(ReasonCircuit)
			c.log.WithField("open_for", now.Sub(c.opened).Round(time.Millisecond).String()).
				Info("circuit closed: myKaarma answers again; resuming work")
		}
	case CallFailed:
		d.calls.add(now, event, true, c.opts.WindowCalls)
		d.lastFailure = now
		if !d.open && d.calls.tripped(now, c.opts) {
			c.openDepartment(d, now)
		}
		if !c.open && c.all.tripped(now, c.opts) {
			if failing, called := c.spread(now); failing >= c.opts.MinDepartments && float64(failing) >= c.opts.DepartmentRatio*float64(called) {
				c.openGlobal(now, logrus.Fields{"failing_departments": failing, "departments_called": called})
			}
		}
	default:
		c.unanswered.add(now, event, true, c.opts.WindowCalls)
		if !c.open && c.unanswered.tripped(now, c.opts) {
			c.openGlobal(now, logrus.Fields{"unanswered": true})
		}
	}
}

// openGlobal opens the global circuit; c.mu is held.
func (c *Circuit) openGlobal(now time.Time, why logrus.Fields) {
	c.open, c.opened = true, now
	c.opens++
	c.gate.Pause(ReasonCircuit, true)
	c.log.WithFields(why).WithFields(logrus.Fields{"consecutive_failures": c.all.run, "events": len(c.all.runEvents)}).
		Error("circuit open: myKaarma is failing for every event; new work is paused and /readyz answers 503, " +
			"events are probed one at a time and nothing is dead-lettered for it; work resumes by itself when a call succeeds")
}

// Generation is a token for OpenedSince and DepartmentOpenedSince, taken
// before an event's calls.
type Generation struct{ opens, seq uint64 }

// Generation returns the token of now.
func (c *Circuit) Generation() Generation {
	if c == nil {
		return Generation{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return Generation{opens: c.opens, seq: c.seq}
}

// OpenedSince reports whether the global circuit is open now or opened after
// gen was taken: an event that ran out of retries then failed with everyone
// else.
func (c *Circuit) OpenedSince(gen Generation) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open || c.opens != gen.opens
}

// DepartmentOpenedSince reports whether dept's circuit is open now or opened
// after gen was taken: an event that ran out of retries then failed with
// the rest of its department.
func (c *Circuit) DepartmentOpenedSince(gen Generation, dept string) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byDept[dept]
	if !ok {
		return false
	}
	d := e.Value.(*deptCircuit)
	return d.open || d.openedSeq > gen.seq
}

// IsOpen reports whether the global circuit is open.
func (c *Circuit) IsOpen() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open
}

// DepartmentOpen reports whether dept's own circuit is open.
func (c *Circuit) DepartmentOpen(dept string) bool {
	if c == nil || dept == "" {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byDept[dept]
	return ok && e.Value.(*deptCircuit).open
}
