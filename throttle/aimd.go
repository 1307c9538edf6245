package throttle

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// AIMD adapts the consumer's in-flight limit to what myKaarma can take
// (ADAPTIVE_CONCURRENCY), the way TCP adapts its window: it watches every
// myKaarma call as an http.RoundTripper and
//
//   - halves the limit (multiplicative decrease) on a 429, a 5xx, a timeout or
//     a transport error, at most once per cooldown so that one burst of
//     failures counts once;
//   - adds one (additive increase) after each window of successful calls (as
//     many as the current limit, one "round" of work) while the EWMA of
//     successful call latency stays within latencyFactor of its baseline.
//
// Failures of a request that SkipFailures' function exempts (a department
// whose own circuit is open: its trouble is its own) change nothing.
//
// The limit starts at, and never exceeds, max (MAX_IN_FLIGHT); it never goes
// below 1. The baseline is the lowest latency EWMA seen; it creeps up by 1% a
// window towards the current EWMA so that a lasting change of myKaarma's speed
// becomes the new normal instead of freezing growth for good.
type AIMD struct {
	next          http.RoundTripper
	set           func(n int) // consumer.SetMaxInFlight
	skip          func(*http.Request) bool
	now           func() time.Time
	log           logrus.FieldLogger
	max           int
	decrease      float64       // multiplicative decrease factor
	cooldown      time.Duration // minimum time between decreases
	latencyFactor float64       // grow only while ewma <= latencyFactor × baseline
	logEvery      time.Duration // increases are logged at most this often

	mu        sync.Mutex
	limit     int
	successes int // in the current window
	lastCut   time.Time
	ewma      time.Duration
	baseline  time.Duration
	logged    int // limit last logged
	lastLog   time.Time
}

// NewAIMD returns a controller for limits 1..maxLimit that calls set on every
// change; set may be nil until the consumer exists (see Setter).
func NewAIMD(next http.RoundTripper, maxLimit int, now func() time.Time, log logrus.FieldLogger) *AIMD {
	if log == nil {
		l := logrus.New()
		l.Out = io.Discard
		log = l
	}
	return &AIMD{
		next: next, now: now, log: log, max: maxLimit,
		decrease: 0.5, cooldown: time.Second, latencyFactor: 2, logEvery: 10 * time.Second,
		limit: maxLimit, logged: maxLimit,
	}
}

// Setter makes the controller drive set (the consumer's SetMaxInFlight). It
// must be called before the first request.
func (a *AIMD) Setter(set func(int)) { a.set = set }

// SkipFailures makes the controller ignore the failures of the requests for
// which skip returns true. It must be called before the first request.
func (a *AIMD) SkipFailures(skip func(*http.Request) bool) { a.skip = skip }

// Limit is the current in-flight limit (for a gauge).
func (a *AIMD) Limit() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.limit
}

// RoundTrip implements http.RoundTripper.
func (a *AIMD) RoundTrip(req *http.Request) (*http.Response, error) {
	start := a.now()
	resp, err := a.next.RoundTrip(req)
	switch {
	case err != nil:
		if errors.Is(req.Context().Err(), context.Canceled) {
			return resp, err // the caller gave up (shutdown): not myKaarma's fault
		}
		a.failedFor(req)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		a.failedFor(req)
	default:
		// Time to headers: the body is small and read by the caller.
		a.succeeded(a.now().Sub(start))
	}
	return resp, err
}

// failedFor counts req's failure unless it is exempt.
func (a *AIMD) failedFor(req *http.Request) {
	if a.skip != nil && a.skip(req) {
		return
	}
	a.failed()
}

// failed applies the multiplicative decrease, once per cooldown.
func (a *AIMD) failed() {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	a.successes = 0
	if !a.lastCut.IsZero() && now.Sub(a.lastCut) < a.cooldown {
		return
	}
	a.lastCut = now
	a.change(max(1, int(float64(a.limit)*a.decrease)), now)
}

// succeeded records a successful call's latency and grows the limit after a
// full window while latency holds.
func (a *AIMD) succeeded(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ewma == 0 {
		a.ewma = d
	} else {
		a.ewma += (d - a.ewma) / 8 // alpha 1/8, as TCP's smoothed RTT
	}
	if a.baseline == 0 || a.ewma < a.baseline {
		a.baseline = a.ewma
	}
	a.successes++
	if a.successes < a.limit {
		return
	}
	a.successes = 0
	a.baseline += (a.ewma - a.baseline) / 100
	if float64(a.ewma) > a.latencyFactor*float64(a.baseline) || a.limit >= a.max {
		return
	}
	a.change(a.limit+1, a.now())
}

// change sets the limit and logs it: decreases always (the cooldown bounds
// them), increases at most once per logEvery. Called with mu held.
func (a *AIMD) change(n int, now time.Time) {
	if n == a.limit {
		return
	}
	down := n < a.limit
	a.limit = n
	if a.set != nil {
		a.set(n)
	}
	if !down && now.Sub(a.lastLog) < a.logEvery {
		return
	}
	a.log.WithFields(logrus.Fields{
		"limit": n, "previous": a.logged, "max": a.max,
		"latency_ewma_ms": float64(a.ewma.Microseconds()) / 1000, "latency_baseline_ms": float64(a.baseline.Microseconds()) / 1000,
	}).Info("adaptive concurrency: in-flight limit changed")
	a.logged, a.lastLog = n, now
}
