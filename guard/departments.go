package guard

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// ReasonScope pauses one department: myKaarma answers 403 (scope missing)
// for it. A department's own open circuit is ReasonCircuit.
const ReasonScope = "scope"

// DepartmentReasons are the reasons a department can be paused for.
var DepartmentReasons = []string{ReasonScope, ReasonCircuit}

// DefaultMaxDepartments bounds the state kept per department: the circuit's
// counts (least recently called first out) and the paused departments.
const DefaultMaxDepartments = 10000

// ErrDepartmentPaused is reached with errors.Is on the error Departments.Enter
// returns for an event of a paused department whose turn to probe it is not:
// the event is not done and should be tried again later, outside any handler
// slot. errors.As with *DepartmentPausedError gives the department and reason.
var ErrDepartmentPaused = errors.New("department paused")

// DepartmentPausedError says that an event is not done because its
// department is paused.
type DepartmentPausedError struct {
	Department string
	Reason     string    // ReasonScope or ReasonCircuit: what paused it first
	Since      time.Time // when it was paused
	NextProbe  time.Time // the earliest time an event of it goes through as the probe
	// Err is the failure the event met as its department was paused (a 403,
	// retries run out as its circuit opened); nil when it was turned away
	// before calling myKaarma.
	Err error
}

func (e *DepartmentPausedError) Error() string {
	s := fmt.Sprintf("department %s paused (%s) since %s: not done, tried again later",
		e.Department, e.Reason, e.Since.UTC().Format(time.RFC3339))
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns Err.
func (e *DepartmentPausedError) Unwrap() error { return e.Err }

// Is makes the error ErrDepartmentPaused.
func (e *DepartmentPausedError) Is(target error) bool { return target == ErrDepartmentPaused }

// PausedDepartment returns the department, for callers that detect the error
// with errors.As on an interface of their own rather than importing guard.
func (e *DepartmentPausedError) PausedDepartment() string { return e.Department }

// Departments pauses single departments (a missing scope, a department's own
// open circuit) while the others go on. Unlike Gate it never makes a caller
// wait: Enter answers at once whether an event may go ahead, so a paused
// department's events hold no handler slot. One event at a time per paused
// department goes through as its probe, no more often than the probe backoff
// allows (it doubles while the pause lasts). A nil *Departments pauses
// nothing.
type Departments struct {
	now        func() time.Time
	minBackoff time.Duration
	maxBackoff time.Duration
	max        int
	log        logrus.FieldLogger

	mu      sync.Mutex
	paused  map[string]*deptPause
	refused bool          // a pause was refused at the bound and not yet logged as recovered
	changed chan struct{} // closed, and replaced, when a department resumes or is to be probed now
}

type deptPause struct {
	reasons   map[string]time.Time // reason → since
	since     time.Time
	backoff   time.Duration
	nextProbe time.Time
	lastProbe time.Time // zero: not probed yet
	probes    int
	probing   bool
}

// DepartmentPause is one paused department, as /admin/departments shows it.
type DepartmentPause struct {
	Department string
	Reasons    []string // sorted
	Since      time.Time
	LastProbe  time.Time // zero: not probed yet
	NextProbe  time.Time
	Probes     int
	Probing    bool // an event is probing it now
}

// NewDepartments returns a set with no paused department whose probes back
// off from minBackoff to maxBackoff and which holds at most maxPaused paused
// departments (0: DefaultMaxDepartments); now nil is time.Now, log nil is
// silent.
func NewDepartments(now func() time.Time, minBackoff, maxBackoff time.Duration, maxPaused int, log logrus.FieldLogger) *Departments {
	if now == nil {
		now = time.Now
	}
	if maxPaused <= 0 {
		maxPaused = DefaultMaxDepartments
	}
	return &Departments{now: now, minBackoff: minBackoff, maxBackoff: maxBackoff, max: maxPaused,
		log: orSilent(log), paused: make(map[string]*deptPause), changed: make(chan struct{})}
}

// Changed returns a channel that is closed when a department resumes or
// ProbeNow brings a probe forward: whoever holds back a paused department's
// events looks again then.
func (d *Departments) Changed() <-chan struct{} {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.changed
}

// notify closes the current Changed channel; d.mu is held.
func (d *Departments) notify() {
	close(d.changed)
	d.changed = make(chan struct{})
}

// State returns dept's pause, and false when dept is not paused.
func (d *Departments) State(dept string) (DepartmentPause, bool) {
	if d == nil {
		return DepartmentPause{}, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.paused[dept]
	if !ok {
		return DepartmentPause{}, false
	}
	return p.view(dept), true
}

// Enter reports whether an event of dept may call myKaarma now. It never
// waits: for a paused department it returns probe=true when this event is
// the department's probe (pass it to Exit or Release), else a
// *DepartmentPausedError.
func (d *Departments) Enter(dept string) (probe bool, err error) {
	if d == nil {
		return false, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.paused[dept]
	if !ok {
		return false, nil
	}
	now := d.now()
	if !p.probing && !now.Before(p.nextProbe) {
		p.probing, p.lastProbe = true, now
		p.probes++
		return true, nil
	}
	return false, p.err(dept, nil)
}

// PausedError returns the error of an event of dept that met err as dept
// was paused, or nil when dept is not paused.
func (d *Departments) PausedError(dept string, err error) error {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.paused[dept]
	if !ok {
		return nil
	}
	return p.err(dept, err)
}

// Exit ends a probe let through by Enter: while dept stays paused, its probe
// backoff doubles.
func (d *Departments) Exit(dept string, probe bool) {
	if d == nil || !probe {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if p, ok := d.paused[dept]; ok {
		p.probing = false
		p.backoff = min(2*p.backoff, d.maxBackoff)
		p.nextProbe = d.now().Add(p.backoff)
		d.notify()
	}
}

// Release gives back a probe turn that was not used (the event never called
// myKaarma): the next event may probe at once.
func (d *Departments) Release(dept string, probe bool) {
	if d == nil || !probe {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if p, ok := d.paused[dept]; ok {
		p.probing = false
		d.notify()
	}
}

// Pause pauses dept for reason and reports whether the reason is new for it;
// the first reason of a department logs one line, with fields. An empty dept
// is never paused. At the bound, a new department's pause is refused (its
// events then run and fail as they would without isolation) and one warning
// says so.
func (d *Departments) Pause(dept, reason string, fields logrus.Fields) bool {
	if d == nil || dept == "" {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	p, ok := d.paused[dept]
	switch {
	case ok:
		if _, had := p.reasons[reason]; had {
			return false
		}
		p.reasons[reason] = now
		d.log.WithFields(fields).WithFields(logrus.Fields{"department": dept, "reason": reason, "paused_reasons": p.sorted()}).
			Warn("department already paused is now paused for " + reason + " too")
		return true
	case len(d.paused) >= d.max:
		if !d.refused {
			d.refused = true
			d.log.WithFields(logrus.Fields{"department": dept, "reason": reason, "departments_paused": len(d.paused)}).
				Error("too many departments paused: no more are paused until some resume, and their events fail as if departments were not isolated")
		}
		return false
	}
	d.paused[dept] = &deptPause{reasons: map[string]time.Time{reason: now}, since: now,
		backoff: d.minBackoff, nextProbe: now.Add(d.minBackoff)}
	d.log.WithFields(fields).WithFields(logrus.Fields{"department": dept, "reason": reason, "departments_paused": len(d.paused)}).
		Warn(pausedMessage(reason))
	return true
}

func pausedMessage(reason string) string {
	const rest = " Its events are tried again later without holding a handler slot and are not dead-lettered for it; " +
		"one of them probes with backoff, and the department resumes by itself when that succeeds. Other departments go on, and /readyz stays 200."
	if reason == ReasonScope {
		return "department paused: myKaarma answers 403 (scope missing) for it; check the account's scopes for this department " +
			"(customer.search, customer.update) and its dealer (lead.write)." + rest
	}
	return "department paused: its myKaarma calls keep failing while other departments' succeed (its circuit is open)." + rest
}

// Resume lifts reason from dept and reports whether it was in effect. The
// department resumes when no reason is left, which logs one line.
func (d *Departments) Resume(dept, reason string) bool {
	if d == nil {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.paused[dept]
	if !ok {
		return false
	}
	if _, had := p.reasons[reason]; !had {
		return false
	}
	delete(p.reasons, reason)
	f := logrus.Fields{"department": dept, "reason": reason, "probes": p.probes}
	if len(p.reasons) > 0 {
		f["paused_reasons"] = p.sorted()
		d.log.WithFields(f).Info("department no longer paused for " + reason + ", still paused for the rest")
		return true
	}
	delete(d.paused, dept)
	d.notify()
	if len(d.paused) < d.max {
		d.refused = false
	}
	f["paused_for"] = d.now().Sub(p.since).Round(time.Millisecond).String()
	f["departments_paused"] = len(d.paused)
	d.log.WithFields(f).Info("department resumed: myKaarma answers its calls again")
	return true
}

// ProbeNow lets the next event of dept through as its probe at once, with
// the backoff back at its minimum; it reports whether dept is paused.
func (d *Departments) ProbeNow(dept string) bool {
	if d == nil {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.paused[dept]
	if !ok {
		return false
	}
	p.backoff, p.nextProbe = d.minBackoff, d.now()
	d.notify()
	return true
}

// IsPaused reports whether dept is paused, for any reason.
func (d *Departments) IsPaused(dept string) bool {
	if d == nil {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.paused[dept]
	return ok
}

// Len returns how many departments are paused.
func (d *Departments) Len() int {
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.paused)
}

// Paused returns the paused departments, longest paused first.
func (d *Departments) Paused() []DepartmentPause {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	out := make([]DepartmentPause, 0, len(d.paused))
	for id, p := range d.paused {
		out = append(out, p.view(id))
	}
	d.mu.Unlock()
	slices.SortFunc(out, func(a, b DepartmentPause) int {
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return cmp.Compare(a.Department, b.Department)
	})
	return out
}

// Summary counts the paused departments by reason (a department paused for
// both counts under both) and returns how long the longest pause has lasted.
func (d *Departments) Summary() (byReason map[string]int, longest time.Duration) {
	byReason = make(map[string]int, len(DepartmentReasons))
	if d == nil {
		return byReason, 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	for _, p := range d.paused {
		for r := range p.reasons {
			byReason[r]++
		}
		longest = max(longest, now.Sub(p.since))
	}
	return byReason, longest
}

// err is a *DepartmentPausedError for p; d.mu is held.
func (p *deptPause) err(dept string, cause error) *DepartmentPausedError {
	return &DepartmentPausedError{Department: dept, Reason: p.first(), Since: p.since, NextProbe: p.nextProbe, Err: cause}
}

// view is p as DepartmentPause shows it; d.mu is held.
func (p *deptPause) view(dept string) DepartmentPause {
	return DepartmentPause{Department: dept, Reasons: p.sorted(), Since: p.since,
		LastProbe: p.lastProbe, NextProbe: p.nextProbe, Probes: p.probes, Probing: p.probing}
}

// first is the reason that paused p first; d.mu is held.
func (p *deptPause) first() string {
	var first string
	var at time.Time
	for r, since := range p.reasons {
		if first == "" || since.Before(at) || (since.Equal(at) && r < first) {
			first, at = r, since
		}
	}
	return first
}

func (p *deptPause) sorted() []string {
	rs := make([]string, 0, len(p.reasons))
	for r := range p.reasons {
		rs = append(rs, r)
	}
	slices.Sort(rs)
	return rs
}
