package guard

import (
	"time"

	"github.com/sirupsen/logrus"
)

// deptCircuit is one department's circuit: its own counter of answered calls
// and whether it is open.
type deptCircuit struct {
	id          string
	calls       counter // successes and failures with a status
	lastCall    time.Time
	lastFailure time.Time
	open        bool
	opened      time.Time
	openedSeq   uint64 // Circuit.seq when it last opened
}

// touch returns dept's circuit, created if new, as the most recently called;
// beyond MaxDepartments the least recently called one is forgotten (an open
// one closes: if its calls still fail it opens again). c.mu is held.
func (c *Circuit) touch(dept string, now time.Time) *deptCircuit {
	if e, ok := c.byDept[dept]; ok {
		c.lru.MoveToFront(e)
		d := e.Value.(*deptCircuit)
		d.lastCall = now
		return d
	}
	d := &deptCircuit{id: dept, lastCall: now}
	c.byDept[dept] = c.lru.PushFront(d)
	for c.lru.Len() > c.opts.MaxDepartments {
		old := c.lru.Remove(c.lru.Back()).(*deptCircuit)
		delete(c.byDept, old.id)
		if old.open {
			c.log.WithFields(logrus.Fields{"department": old.id, "max_departments": c.opts.MaxDepartments}).
				Warn("forgetting the open circuit of the least recently called department: more departments were called than are counted")
			c.depts.Resume(old.id, ReasonCircuit)
		}
	}
	return d
}

// openDepartment opens d's circuit and pauses its department; c.mu is held.
func (c *Circuit) openDepartment(d *deptCircuit, now time.Time) {
	d.open, d.opened = true, now
	c.seq++
	d.openedSeq = c.seq
	c.depts.Pause(d.id, ReasonCircuit, logrus.Fields{"consecutive_failures": d.calls.run, "events": len(d.calls.runEvents)})
}

// closeDepartment closes d's circuit after a call that did not fail
// transiently; c.mu is held.
func (c *Circuit) closeDepartment(d *deptCircuit) {
	if !d.open {
		return
	}
	d.open = false
	c.depts.Resume(d.id, ReasonCircuit)
}

// spread counts the departments called within Window since the global
// circuit last closed, and those of them failing: an open circuit that
// failed in that time, or calls in that time that failed at least at Ratio.
// The list is in order of last call, so only the departments called in the
// window are visited. c.mu is held.
func (c *Circuit) spread(now time.Time) (failing, called int) {
	since := now.Add(-c.opts.Window)
	if c.closed.After(since) {
		since = c.closed
	}
	for e := c.lru.Front(); e != nil; e = e.Next() {
		d := e.Value.(*deptCircuit)
		if d.lastCall.Before(since) {
			break
		}
		called++
		if (d.open && !d.lastFailure.Before(since)) || d.calls.failing(since, c.opts.Ratio) {
			failing++
		}
	}
	return failing, called
}
