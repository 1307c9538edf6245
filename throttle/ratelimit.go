package throttle

import (
	"context"
	"math"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// rateLimited is an http.RoundTripper that spaces myKaarma calls to at most
// perSecond a second (MYKAARMA_RATE_LIMIT, per replica) with a burst of
// max(1, perSecond). A call waits for its turn under its own context: if that
// ends first, the turn is given back and the call fails with the context's
// error, which the client reports as a timeout (transient) or a shutdown.
type rateLimited struct {
	next    http.RoundTripper
	limiter *rate.Limiter
	now     func() time.Time
	wait    func(ctx context.Context, d time.Duration) error
}

// NewRateLimited wraps next; perSecond <= 0 means unlimited and returns next.
func NewRateLimited(next http.RoundTripper, perSecond float64) http.RoundTripper {
	if perSecond <= 0 {
		return next
	}
	burst := int(math.Max(1, math.Floor(perSecond)))
	return &rateLimited{
		next:    next,
		limiter: rate.NewLimiter(rate.Limit(perSecond), burst),
		now:     time.Now,
		wait:    waitCtx,
	}
}

// RoundTrip implements http.RoundTripper.
func (t *rateLimited) RoundTrip(req *http.Request) (*http.Response, error) {
	now := t.now()
	r := t.limiter.ReserveN(now, 1) // burst >= 1, so always OK
	if d := r.DelayFrom(now); d > 0 {
		if err := t.wait(req.Context(), d); err != nil {
			r.CancelAt(t.now())
			if req.Body != nil {
				_ = req.Body.Close() // a RoundTripper closes the body even on error
			}
			return nil, err
		}
	}
	return t.next.RoundTrip(req)
}

// waitCtx waits d, or returns ctx's error if it ends first.
func waitCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
