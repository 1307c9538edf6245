package worker

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/deadletter"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/park"
	"github.com/leadworker/leadworker/schemas"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"
)

// Parking. An event of a paused department waits in memory while the pause
// is younger than PARK_AFTER, and while its department's waiting events are
// at most a quarter of MAX_BUFFERED; then it is written to the parked topic
// (consumer.Outcome.Park), which answers its input record: commits move on.
// While a department has parked events not yet handed back, its new events
// are parked behind them, so that one identity never runs out of order.
//
// The parked topic is read by the process stage's own group, co-partitioned
// with the route topic (or the inputs). A parked event is held back on its
// partition (hold) while its department is paused and its probe is not
// due; when the probe is due it is handed back and probes the department.
// It is never parked again: while the probe fails it waits in its key's
// lane, and the events behind it on the partition wait with it. An event
// parked for longer than PARK_MAX_AGE is dead-lettered as park-expired.

// parking decides, for the process stage, which events are parked and when
// parked ones come back.
type parking struct {
	depts      *guard.Departments
	after      time.Duration // PARK_AFTER
	maxAge     time.Duration // PARK_MAX_AGE
	maxWaiting int           // a department's events waiting in memory: a quarter of MAX_BUFFERED
	now        func() time.Time
	log        logrus.FieldLogger

	parked   prometheus.Counter
	unparked prometheus.Counter

	mu      sync.Mutex
	waiting map[*consumer.Message]waiter // events of paused departments the consumer will ask about again
	logged  map[string]time.Time         // department → the pause whose first park was logged
}

// waiter is an event of a paused department not done yet.
type waiter struct {
	dept   string
	parked time.Time // when it was first parked; zero for an input event
	seen   time.Time // when it was last turned away
}

// forgetAfter drops a waiting event the consumer has stopped asking about
// (its partition was revoked).
const forgetAfter = 5 * time.Minute

func newParking(depts *guard.Departments, after, maxAge time.Duration, maxBuffered int, log logrus.FieldLogger) *parking {
	return &parking{
		depts: depts, after: after, maxAge: maxAge, maxWaiting: max(maxBuffered/4, 1), now: time.Now, log: log,
		parked: prometheus.NewCounter(prometheus.CounterOpts{Name: "leadworker_parked_total",
			Help: "Events written to the parked topic (their department was paused, or had parked events ahead of them)."}),
		unparked: prometheus.NewCounter(prometheus.CounterOpts{Name: "leadworker_unparked_total",
			Help: "Parked events handed back and answered (a result or a dead letter)."}),
		waiting: make(map[*consumer.Message]waiter),
		logged:  make(map[string]time.Time),
	}
}

// behind is the outcome of an input event whose department has parked
// events ahead of it on its partition: parked too, behind them.
func (k *parking) behind(m *consumer.Message, dept string) consumer.Outcome {
	reason, until := "behind-parked", k.now()
	if st, ok := k.depts.State(dept); ok {
		reason, until = strings.Join(st.Reasons, "+"), st.NextProbe
	}
	return k.outcome(m, dept, reason, until)
}

// turnedAway decides for an input event of a department that is paused
// (err says so): wait in memory (err returned: the consumer asks again
// later) or park now.
func (k *parking) turnedAway(m *consumer.Message, dept string, err error) (consumer.Outcome, error) {
	st, ok := k.depts.State(dept)
	if !ok {
		k.forget(m)
		return consumer.Outcome{}, err // resumed meanwhile: asked again soon
	}
	now := k.now()
	if now.Sub(st.Since) < k.after && k.wait(m, dept, time.Time{}) {
		return consumer.Outcome{}, err
	}
	k.forget(m)
	return k.outcome(m, dept, strings.Join(st.Reasons, "+"), st.NextProbe), nil
}

// outcome parks m for dept.
func (k *parking) outcome(m *consumer.Message, dept, reason string, until time.Time) consumer.Outcome {
	now := k.now()
	hs := []consumer.Header{
		{Key: park.HeaderUntil, Value: park.FormatTime(until)},
		{Key: park.HeaderAt, Value: park.FormatTime(now)},
		{Key: park.HeaderReason, Value: []byte(reason)},
		{Key: park.HeaderTimes, Value: []byte(strconv.Itoa(1))},
	}
	return consumer.Outcome{Park: &consumer.Park{Tenant: dept, Headers: hs}, Done: func(time.Duration) {
		k.parked.Inc()
		k.firstPark(dept, reason)
	}}
}

// firstPark logs the first park of a department's pause.
func (k *parking) firstPark(dept, reason string) {
	st, paused := k.depts.State(dept)
	k.mu.Lock()
	since, ok := k.logged[dept]
	if paused && ok && since.Equal(st.Since) {
		k.mu.Unlock()
		return
	}
	if paused {
		k.logged[dept] = st.Since
	}
	for d, s := range k.logged { // keep only what paused departments need
		if cur, ok := k.depts.State(d); !ok || !cur.Since.Equal(s) {
			delete(k.logged, d)
		}
	}
	k.mu.Unlock()
	if !paused {
		return // parked behind earlier parked events, its department resumed
	}
	k.log.WithFields(logrus.Fields{"department": dept, "reason": reason, "paused_for": k.now().Sub(st.Since).Round(time.Millisecond).String()}).
		Warn("department's events parked on the parked topic: they are handed back in order once it resumes; its input commits move on")
}

// wait counts m among dept's events waiting in memory, and reports whether
// there is room for it.
func (k *parking) wait(m *consumer.Message, dept string, parkedAt time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	n := 0
	for other, w := range k.waiting {
		switch {
		case now.Sub(w.seen) > forgetAfter:
			delete(k.waiting, other)
		case w.dept == dept && other != m && w.parked.IsZero():
			n++
		}
	}
	if parkedAt.IsZero() && n >= k.maxWaiting {
		return false
	}
	k.waiting[m] = waiter{dept: dept, parked: parkedAt, seen: now}
	return true
}

// forget drops m from the waiting events: it has an outcome.
func (k *parking) forget(m *consumer.Message) {
	k.mu.Lock()
	delete(k.waiting, m)
	k.mu.Unlock()
}

// expired reports whether a parked event has been parked longer than
// PARK_MAX_AGE.
func (k *parking) expired(m *consumer.Message) (time.Time, bool) {
	at, err := time.Parse(time.RFC3339Nano, string(header(m, park.HeaderAt)))
	return at, err == nil && k.now().Sub(at) > k.maxAge
}

// hold is consumer.Options.ParkHold: it holds a parked event back while its
// department is paused and its probe is not due (or another event probes
// it), and lets it go at once when the department resumes or an operator
// asks for a probe (admin resume --department).
func (k *parking) hold(ctx context.Context, m *consumer.Message) error {
	dept := string(header(m, park.HeaderTenant))
	at, expired := k.expired(m)
	if expired {
		return nil
	}
	defer k.forget(m)
	for {
		changed := k.depts.Changed()
		st, ok := k.depts.State(dept)
		if !ok {
			return nil
		}
		wait := st.NextProbe.Sub(k.now())
		if wait <= 0 && !st.Probing {
			return nil // its turn to probe the department
		}
		if wait <= 0 {
			wait = time.Second // another event is probing: Exit says how it went
		}
		k.wait(m, dept, at)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-changed:
		case <-t.C:
		}
		t.Stop()
	}
}

// oldest returns when the oldest parked event held back was first parked;
// zero when none is.
func (k *parking) oldest() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	var o time.Time
	for _, w := range k.waiting {
		if !w.parked.IsZero() && (o.IsZero() || w.parked.Before(o)) {
			o = w.parked
		}
	}
	return o
}

// header returns the value of m's last header named key.
func header(m *consumer.Message, key string) []byte {
	for i := len(m.Headers) - 1; i >= 0; i-- {
		if m.Headers[i].Key == key {
			return m.Headers[i].Value
		}
	}
	return nil
}

// turnedAway is what an event of a paused department gets (err says so):
// a parked event waits in its lane for its department's next probe; an
// input event waits in memory or is parked (parking.turnedAway).
func (p *processor) turnedAway(m *consumer.Message, dept string, err error) (consumer.Outcome, error) {
	switch {
	case p.park == nil:
		return consumer.Outcome{}, err
	case m.Parked:
		at, _ := p.park.expired(m)
		p.park.wait(m, dept, at)
		return consumer.Outcome{}, err
	}
	return p.park.turnedAway(m, dept, err)
}

// parkExpired dead-letters a parked event whose department stayed paused
// for longer than PARK_MAX_AGE, for a person to look at.
func (p *processor) parkExpired(ctx context.Context, m *consumer.Message, ev *schemas.Event, at time.Time) consumer.Outcome {
	reason := header(m, park.HeaderReason)
	l := &deadletter.Letter{Class: deadletter.ClassParkExpired, EventID: ev.EventID, Attempts: 1,
		Message: fmt.Sprintf("parked since %s, longer than PARK_MAX_AGE (%v), while department %s stayed paused (%s)",
			at.UTC().Format(time.RFC3339), p.park.maxAge, ev.DepartmentUUID, reason)}
	fields := logrus.Fields{"eventId": ev.EventID, "eventType": ev.EventType, "department": ev.DepartmentUUID}
	return p.fin.deadLetter(ctx, m, l, summary{}, fields)
}
