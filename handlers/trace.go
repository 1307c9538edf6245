package handlers

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/leadworker/leadworker/mykaarma"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TracerName is the instrumentation scope of the step spans.
const TracerName = "github.com/leadworker/leadworker/handlers"

// Span attributes of the flow. None holds a name, phone, email or address:
// spans are not masked the way log lines are, so an error's text (which may
// echo the event) never goes into a span either, only its class and status.
const (
	AttrAttempt   = attribute.Key("leadworker.attempt")    // flow attempt, from 1
	AttrMatchRule = attribute.Key("leadworker.match_rule") // customerKey, lastName+contact, lastName+vin or none
	AttrStep      = attribute.Key("leadworker.step")       // search, read, create, update, lead
	attrErrorType = attribute.Key("error.type")
	attrStatus    = attribute.Key("http.response.status_code")
	attrWait      = attribute.Key("leadworker.retry.wait_ms")
)

// Span event names.
const (
	EventRetry                = "retry"                  // a transient failure; the flow starts again from the search
	EventCreateOutcomeUnknown = "create outcome unknown" // a create failed without a response; the next search decides
	EventLeadOutcomeUnknown   = "lead outcome unknown"   // a lead save was sent and got no answer; Options.LeadUnknownOutcome decides
)

// stepSpanNames names the span of each step.
var stepSpanNames = map[string]string{
	StepSearch: "search customer",
	StepRead:   "read customer",
	StepCreate: "create customer",
	StepUpdate: "update customer",
	StepLead:   "save lead",
}

// startStep starts the span of one step of attempt f.attempt.
func (h *Handler) startStep(ctx context.Context, f *flow, step string) (context.Context, trace.Span) {
	if h.tracer == nil {
		return ctx, noop.Span{}
	}
	return h.tracer.Start(ctx, stepSpanNames[step], trace.WithAttributes(AttrStep.String(step), AttrAttempt.Int(f.attempt)))
}

// endStep ends a step's span, marked failed by err's class when err is not nil.
func endStep(span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		class := errorClass(err)
		span.SetStatus(codes.Error, class)
		span.SetAttributes(attrErrorType.String(class))
		if e, ok := asAPIError(err); ok && e.StatusCode != 0 {
			span.SetAttributes(attrStatus.Int(e.StatusCode))
		}
	}
	span.End()
}

// errorClass names err's class for a span, never its text.
func errorClass(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, ErrExhausted):
		return "exhausted"
	case errors.Is(err, mykaarma.ErrTransient):
		if e, ok := asAPIError(err); ok && e.StatusCode != 0 {
			return "transient " + strconv.Itoa(e.StatusCode)
		}
		return "transient"
	case errors.Is(err, mykaarma.ErrAuth):
		return "auth"
	case errors.Is(err, mykaarma.ErrRejected):
		return "rejected"
	}
	return "error"
}

// retryEvent marks a retried failure on the caller's span (the event's).
func retryEvent(ctx context.Context, serr *StepError, wait time.Duration) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	attrs := []attribute.KeyValue{AttrAttempt.Int(serr.Attempts), AttrStep.String(serr.Step),
		attrErrorType.String(errorClass(serr.Err)), attrWait.Int64(wait.Milliseconds())}
	if e, ok := asAPIError(serr.Err); ok && e.StatusCode != 0 {
		attrs = append(attrs, attrStatus.Int(e.StatusCode))
	}
	span.AddEvent(EventRetry, trace.WithAttributes(attrs...))
}
