package throttle

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// roundTripFunc answers requests without a network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func okResponse(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
}

func TestRateLimitedSpacesCalls(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		perSecond float64
		calls     int
		want      []time.Duration // wait asked before each call, at a frozen clock
	}{
		{name: "burst of one", perSecond: 1, calls: 3, want: []time.Duration{0, time.Second, 2 * time.Second}},
		{name: "burst equals rate", perSecond: 4, calls: 6, want: []time.Duration{0, 0, 0, 0, 250 * time.Millisecond, 500 * time.Millisecond}},
		{name: "fractional rate keeps burst one", perSecond: 0.5, calls: 2, want: []time.Duration{0, 2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			var waited time.Duration
			sent := 0
			rt := NewRateLimited(roundTripFunc(func(r *http.Request) (*http.Response, error) {
				sent++
				return okResponse(r)
			}), tt.perSecond).(*rateLimited)
			rt.now = func() time.Time { return now }
			rt.wait = func(_ context.Context, d time.Duration) error {
				waited = d
				return nil
			}
			for i := range tt.calls {
				waited = 0
				if _, err := rt.RoundTrip(httptest.NewRequest(http.MethodGet, "http://mykaarma.test/", nil)); err != nil {
					t.Fatalf("RoundTrip #%d: %v", i, err)
				}
				if waited != tt.want[i] {
					t.Errorf("wait before call %d = %v; want %v", i, waited, tt.want[i])
				}
			}
			if sent != tt.calls {
				t.Errorf("sent %d calls; want %d", sent, tt.calls)
			}
		})
	}
}

func TestRateLimitedGivesBackTurnWhenContextEnds(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	sent := 0
	rt := NewRateLimited(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent++
		return okResponse(r)
	}), 1).(*rateLimited)
	rt.now = func() time.Time { return now }
	var waits []time.Duration
	cancelled := true
	rt.wait = func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		if cancelled {
			return context.DeadlineExceeded
		}
		return nil
	}
	req := func() *http.Request { return httptest.NewRequest(http.MethodGet, "http://mykaarma.test/", nil) }
	if _, err := rt.RoundTrip(req()); err != nil { // uses the burst
		t.Fatal(err)
	}
	if _, err := rt.RoundTrip(req()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RoundTrip while the context ends = %v; want context.DeadlineExceeded", err)
	}
	cancelled = false
	if _, err := rt.RoundTrip(req()); err != nil {
		t.Fatal(err)
	}
	// The cancelled call gave its turn back: the next waits one interval, not two.
	if want := []time.Duration{time.Second, time.Second}; len(waits) != 2 || waits[0] != want[0] || waits[1] != want[1] {
		t.Errorf("waits = %v; want %v", waits, want)
	}
	if sent != 2 {
		t.Errorf("sent %d calls; want 2", sent)
	}
}

func TestRateLimitZeroIsUnlimited(t *testing.T) {
	t.Parallel()
	next := roundTripFunc(okResponse)
	if _, ok := NewRateLimited(next, 0).(roundTripFunc); !ok {
		t.Error("NewRateLimited(next, 0) wrapped next; want next itself")
	}
}
