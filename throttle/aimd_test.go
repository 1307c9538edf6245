package throttle

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// aimdStep is one scripted myKaarma call: the clock first moves by after,
// then the call takes latency and answers status (or fails with err).
type aimdStep struct {
	after   time.Duration
	latency time.Duration
	status  int
	err     error
	times   int // repeat; 0 means once
}

func ok(latency time.Duration, times int) aimdStep {
	return aimdStep{latency: latency, status: http.StatusOK, times: times}
}

func TestAIMD(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name  string
		max   int
		steps []aimdStep
		want  int   // limit at the end
		sets  []int // limits handed to the consumer, in order
	}{
		{name: "steady successes stay at max", max: 8, steps: []aimdStep{ok(20*ms, 100)}, want: 8},
		{name: "429 halves", max: 8, steps: []aimdStep{ok(20*ms, 3), {status: http.StatusTooManyRequests}}, want: 4, sets: []int{4}},
		{name: "503 halves", max: 8, steps: []aimdStep{{status: http.StatusServiceUnavailable}}, want: 4, sets: []int{4}},
		{name: "timeout halves", max: 8, steps: []aimdStep{{err: context.DeadlineExceeded}}, want: 4, sets: []int{4}},
		{name: "transport error halves", max: 8, steps: []aimdStep{{err: errors.New("connection reset")}}, want: 4, sets: []int{4}},
		{name: "4xx other than 429 is not overload", max: 8, steps: []aimdStep{{status: http.StatusBadRequest}, {status: http.StatusNotFound}}, want: 8},
		{name: "caller cancelled is not overload", max: 8, steps: []aimdStep{{err: context.Canceled}}, want: 8},
		{name: "burst of failures cuts once per cooldown", max: 16, steps: []aimdStep{
			{status: 503}, {after: 100 * ms, status: 503}, {after: 100 * ms, status: 503},
		}, want: 8, sets: []int{8}},
		{name: "failures a cooldown apart cut again", max: 16, steps: []aimdStep{
			{status: 503}, {after: time.Second, status: 503}, {after: time.Second, status: 429},
		}, want: 2, sets: []int{8, 4, 2}},
		{name: "never below one", max: 2, steps: []aimdStep{
			{status: 503}, {after: time.Second, status: 503}, {after: time.Second, status: 503},
		}, want: 1, sets: []int{1}},
		{name: "grows one per window of successes", max: 8, steps: []aimdStep{
			ok(20*ms, 1), {status: 503}, // 4
			ok(20*ms, 4), // window of 4: 5
			ok(20*ms, 5), // window of 5: 6
			ok(20*ms, 4), // not a full window yet
		}, want: 6, sets: []int{4, 5, 6}},
		{name: "grows back to max and no further", max: 4, steps: []aimdStep{
			ok(20*ms, 1), {status: 503}, ok(20*ms, 100),
		}, want: 4, sets: []int{2, 3, 4}},
		{name: "no growth while latency is high", max: 8, steps: []aimdStep{
			ok(20*ms, 20), {status: 503}, // 4, baseline 20ms
			ok(100*ms, 40), // EWMA climbs far above 2x the baseline
		}, want: 4, sets: []int{4}},
		{name: "growth resumes when latency recovers", max: 8, steps: []aimdStep{
			ok(20*ms, 20), {status: 503},
			ok(100*ms, 40),
			ok(20*ms, 40), // windows of 4, 5, 6 and 7
		}, want: 8, sets: []int{4, 5, 6, 7, 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			var step aimdStep
			next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				clock = clock.Add(step.latency)
				if step.err != nil {
					return nil, step.err
				}
				return &http.Response{StatusCode: step.status, Body: http.NoBody, Request: r}, nil
			})
			a := NewAIMD(next, tt.max, func() time.Time { return clock }, nil)
			var sets []int
			a.Setter(func(n int) { sets = append(sets, n) })
			for _, s := range tt.steps {
				step = s
				for range max(1, s.times) {
					clock = clock.Add(s.after)
					ctx := context.Background()
					if errors.Is(s.err, context.Canceled) {
						c, cancel := context.WithCancel(ctx)
						cancel()
						ctx = c
					}
					req := httptest.NewRequest(http.MethodGet, "http://mykaarma.test/", nil).WithContext(ctx)
					_, _ = a.RoundTrip(req)
				}
			}
			if got := a.Limit(); got != tt.want {
				t.Errorf("Limit() = %d; want %d", got, tt.want)
			}
			if !slices.Equal(sets, tt.sets) {
				t.Errorf("SetMaxInFlight calls = %v; want %v", sets, tt.sets)
			}
		})
	}
}

func TestAIMDLogsChangesRateLimited(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	status := http.StatusOK
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		clock = clock.Add(10 * time.Millisecond)
		return &http.Response{StatusCode: status, Body: http.NoBody, Request: r}, nil
	})
	log, hook := test.NewNullLogger()
	log.Out = io.Discard
	a := NewAIMD(next, 64, func() time.Time { return clock }, log)
	call := func() { _, _ = a.RoundTrip(httptest.NewRequest(http.MethodGet, "http://mykaarma.test/", nil)) }

	status = http.StatusServiceUnavailable
	call() // 64 -> 32, logged
	status = http.StatusOK
	for range 32 + 33 + 34 {
		call() // 33, 34, 35 within a second: increases not logged yet
	}
	if got := len(hook.AllEntries()); got != 1 {
		t.Fatalf("logged %d lines; want 1 (the decrease)", got)
	}
	e := hook.LastEntry()
	if e.Level != logrus.InfoLevel || e.Data["limit"] != 32 || e.Data["previous"] != 64 {
		t.Errorf("log = %v %v; want info with limit 32, previous 64", e.Level, e.Data)
	}
	clock = clock.Add(10 * time.Second)
	for range 35 {
		call() // 36, logged: the last log is 10s old
	}
	if e := hook.LastEntry(); len(hook.AllEntries()) != 2 || e.Data["limit"] != 36 || e.Data["previous"] != 32 {
		t.Errorf("after 10s: %d lines, last %v; want 2 lines, limit 36 (previous 32)", len(hook.AllEntries()), e.Data)
	}
}

// TestAIMDSkipsExemptFailures: the failures of exempt requests (a department
// isolated by its own circuit) change nothing; the others still halve.
func TestAIMDSkipsExemptFailures(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		clock = clock.Add(10 * time.Millisecond)
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Body: http.NoBody, Request: r}, nil
	})
	a := NewAIMD(next, 8, func() time.Time { return clock }, nil)
	a.SkipFailures(func(r *http.Request) bool { return r.URL.Path == "/isolated" })
	for range 3 {
		clock = clock.Add(time.Second) // past the cooldown each time
		_, _ = a.RoundTrip(httptest.NewRequest(http.MethodGet, "http://mykaarma.test/isolated", nil))
	}
	if got := a.Limit(); got != 8 {
		t.Fatalf("Limit() after exempt failures = %d; want 8", got)
	}
	_, _ = a.RoundTrip(httptest.NewRequest(http.MethodGet, "http://mykaarma.test/other", nil))
	if got := a.Limit(); got != 4 {
		t.Errorf("Limit() after a failure that is not exempt = %d; want 4", got)
	}
}
