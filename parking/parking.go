package parking

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/park"
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

// Policy decides, for the process stage, which events are parked and when
// parked ones come back.
type Policy struct {
	depts      *guard.Departments
	after      time.Duration // PARK_AFTER
	maxAge     time.Duration // PARK_MAX_AGE
	maxWaiting int           // a department's events waiting in memory: a quarter of MAX_BUFFERED
	now        func() time.Time
	log        logrus.FieldLogger

	Parked   prometheus.Counter
	Unparked prometheus.Counter

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

// Options configures a Policy.
type Options struct {
	Departments *guard.Departments
	After       time.Duration // PARK_AFTER
	MaxAge      time.Duration // PARK_MAX_AGE
	// MaxBuffered is MAX_BUFFERED: a department's events waiting in memory
	// are at most a quarter of it.
	MaxBuffered int
	Log         logrus.FieldLogger
	Now         func() time.Time // nil: time.Now
}

// New returns the policy of o.
func New(o Options) *Policy {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Policy{
		depts: o.Departments, after: o.After, maxAge: o.MaxAge, maxWaiting: max(o.MaxBuffered/4, 1), now: o.Now, log: o.Log,
		Parked: prometheus.NewCounter(prometheus.CounterOpts{Name: "leadworker_parked_total",
			Help: "Events written to the parked topic (their department was paused, or had parked events ahead of them)."}),
		Unparked: prometheus.NewCounter(prometheus.CounterOpts{Name: "leadworker_unparked_total",
			Help: "Parked events handed back and answered (a result or a dead letter)."}),
		waiting: make(map[*consumer.Message]waiter),
		logged:  make(map[string]time.Time),
	}
}

// Behind is the outcome of an input event whose department has parked
// events ahead of it on its partition: parked too, behind them.
func (k *Policy) Behind(m *consumer.Message, dept string) consumer.Outcome {
	reason, until := "behind-parked", k.now()
	if st, ok := k.depts.State(dept); ok {
		reason, until = strings.Join(st.Reasons, "+"), st.NextProbe
	}
	return k.outcome(m, dept, reason, until)
}

// TurnedAway decides for an input event of a department that is paused
// (err says so): wait in memory (err returned: the consumer asks again
// later) or park now.
func (k *Policy) TurnedAway(m *consumer.Message, dept string, err error) (consumer.Outcome, error) {
	st, ok := k.depts.State(dept)
	if !ok {
		k.Forget(m)
		return consumer.Outcome{}, err // resumed meanwhile: asked again soon
	}
	now := k.now()
	if now.Sub(st.Since) < k.after && k.Wait(m, dept, time.Time{}) {
		return consumer.Outcome{}, err
	}
	k.Forget(m)
	return k.outcome(m, dept, strings.Join(st.Reasons, "+"), st.NextProbe), nil
}

// outcome parks m for dept.
func (k *Policy) outcome(m *consumer.Message, dept, reason string, until time.Time) consumer.Outcome {
	now := k.now()
	hs := []consumer.Header{
		{Key: park.HeaderUntil, Value: park.FormatTime(until)},
		{Key: park.HeaderAt, Value: park.FormatTime(now)},
		{Key: park.HeaderReason, Value: []byte(reason)},
		{Key: park.HeaderTimes, Value: []byte(strconv.Itoa(1))},
	}
	return consumer.Outcome{Park: &consumer.Park{Tenant: dept, Headers: hs}, Done: func(time.Duration) {
		k.Parked.Inc()
		k.firstPark(dept, reason)
	}}
}

// firstPark logs the first park of a department's pause.
func (k *Policy) firstPark(dept, reason string) {
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

// Wait counts m among dept's events waiting in memory, and reports whether
// there is room for it.
func (k *Policy) Wait(m *consumer.Message, dept string, parkedAt time.Time) bool {
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

// Forget drops m from the waiting events: it has an outcome.
func (k *Policy) Forget(m *consumer.Message) {
	k.mu.Lock()
	delete(k.waiting, m)
	k.mu.Unlock()
}

// Expired reports whether a parked event has been parked longer than
// PARK_MAX_AGE.
func (k *Policy) Expired(m *consumer.Message) (time.Time, bool) {
	at, err := time.Parse(time.RFC3339Nano, string(m.Header(park.HeaderAt)))
	return at, err == nil && k.now().Sub(at) > k.maxAge
}

// Hold is consumer.Options.ParkHold: it holds a parked event back while its
// department is paused and its probe is not due (or another event probes
// it), and lets it go at once when the department resumes or an operator
// asks for a probe (admin resume --department).
func (k *Policy) Hold(ctx context.Context, m *consumer.Message) error {
	dept := string(m.Header(park.HeaderTenant))
	at, expired := k.Expired(m)
	if expired {
		return nil
	}
	defer k.Forget(m)
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
		k.Wait(m, dept, at)
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

// Oldest returns when the oldest parked event held back was first parked;
// zero when none is.
func (k *Policy) Oldest() time.Time {
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

// MaxAge is PARK_MAX_AGE.
func (k *Policy) MaxAge() time.Duration { return k.maxAge }

// Now is the policy's clock.
func (k *Policy) Now() time.Time { return k.now() }
