package worker

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/mykaarma"
)

// callTransport is the http.RoundTripper under the myKaarma client: it counts
// and times every call by endpoint and status, and tells the circuit how the
// call ended, for the event and department on the request's context: failed
// with a transient status (408, 429, 5xx: the department's), unanswered
// (transport error, timeout: nobody's in particular) or answered.
type callTransport struct {
	next    http.RoundTripper
	metrics *metrics
	circuit *guard.Circuit
	now     func() time.Time
}

// RoundTrip implements http.RoundTripper.
func (t *callTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := t.now()
	resp, err := t.next.RoundTrip(req)
	took := t.now().Sub(start)
	endpoint := endpointOf(req.Method, req.URL.Path)
	ctx := req.Context()
	event, dept := guard.EventOf(ctx), guard.DepartmentOf(ctx)
	switch {
	case err == nil:
		t.metrics.request(endpoint, resp.StatusCode, "", took)
		o := guard.CallOK
		if mykaarma.TransientStatus(resp.StatusCode) {
			o = guard.CallFailed
		}
		t.circuit.Record(event, dept, o)
	case errors.Is(err, context.Canceled):
		// The caller gave up (shutdown, drain): not myKaarma's failure.
		t.metrics.request(endpoint, 0, "canceled", took)
	case errors.Is(err, context.DeadlineExceeded):
		t.metrics.request(endpoint, 0, "timeout", took)
		t.circuit.Record(event, dept, guard.CallUnanswered)
	default:
		t.metrics.request(endpoint, 0, "error", took)
		t.circuit.Record(event, dept, guard.CallUnanswered)
	}
	return resp, err
}

// endpointOf names a myKaarma call by its route (mykaarma/customers.go, leads.go).
func endpointOf(method, path string) string {
	switch {
	case strings.HasSuffix(path, "/leads"):
		return "lead"
	case strings.HasSuffix(path, "/customer/listMinimal"):
		return "search"
	case method == http.MethodPost && strings.HasSuffix(path, "/customer"):
		return "create"
	case method == http.MethodPut:
		return "update"
	case method == http.MethodGet && strings.Contains(path, "/customer/"):
		return "read"
	}
	return "other"
}
