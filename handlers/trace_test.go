package handlers

import (
	"strings"
	"testing"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/schemas"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// traced is setupWith a span recorder; the test's own span stands for the event's.
func traced(t *testing.T) (*fixture, *tracetest.SpanRecorder, *sdktrace.TracerProvider) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	f := setupWith(t, mykaarmatest.Options{}, 0, Options{TracerProvider: tp})
	return f, rec, tp
}

func attr(s sdktrace.ReadOnlySpan, k attribute.Key) (attribute.Value, bool) {
	for _, a := range s.Attributes() {
		if a.Key == k {
			return a.Value, true
		}
	}
	return attribute.Value{}, false
}

// stepLine renders a step span as "name attempt=N [rule=R] [error=E]".
func stepLine(s sdktrace.ReadOnlySpan) string {
	line := s.Name()
	if v, ok := attr(s, AttrAttempt); ok {
		line += " attempt=" + v.String()
	}
	if v, ok := attr(s, AttrMatchRule); ok {
		line += " rule=" + v.String()
	}
	if s.Status().Code == codes.Error {
		line += " error=" + s.Status().Description
	}
	return line
}

func TestStepSpans(t *testing.T) {
	t.Parallel()
	f, rec, tp := traced(t)
	f.srv.FailNext(mykaarmatest.OpLead, 1, 503)
	ctx, parent := tp.Tracer("test").Start(t.Context(), "event")
	if _, err := f.h.Handle(ctx, leadEvent()); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	parent.End()
	var steps []string
	var event sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == "event" {
			event = s
			continue
		}
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("span %q has parent %s; want the event's span %s", s.Name(), s.Parent().SpanID(), parent.SpanContext().SpanID())
		}
		steps = append(steps, stepLine(s))
	}
	want := []string{
		"search customer attempt=1 rule=none", "create customer attempt=1", "save lead attempt=1 error=transient 503",
		"search customer attempt=2 rule=customerKey", "read customer attempt=2", "update customer attempt=2 rule=customerKey", "save lead attempt=2",
	}
	if strings.Join(steps, "\n") != strings.Join(want, "\n") {
		t.Errorf("step spans:\n%s\nwant:\n%s", strings.Join(steps, "\n"), strings.Join(want, "\n"))
	}
	if event == nil {
		t.Fatal("the event's span did not end")
	}
	var retries []string
	for _, e := range event.Events() {
		if e.Name == EventRetry {
			for _, a := range e.Attributes {
				if a.Key == AttrStep {
					retries = append(retries, a.Value.String())
				}
			}
		}
	}
	if len(retries) != 1 || retries[0] != StepLead {
		t.Errorf("retry events on the event's span, by step = %q; want [lead]", retries)
	}
}

func TestStepSpansMarkUnknownCreate(t *testing.T) {
	t.Parallel()
	f, rec, tp := traced(t)
	f.srv.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpCreate, DropAfterApply: true, Times: 1})
	ctx, parent := tp.Tracer("test").Start(t.Context(), "event")
	out, err := f.h.Handle(ctx, leadEvent())
	parent.End()
	if err != nil || out.CustomerAction != schemas.ActionCreated {
		t.Fatalf("Handle = %+v, %v; want created", out, err)
	}
	unknown := 0
	for _, s := range rec.Ended() {
		for _, e := range s.Events() {
			if e.Name == EventCreateOutcomeUnknown {
				unknown++
				if s.Name() != "create customer" {
					t.Errorf("%q event on span %q; want on create customer", e.Name, s.Name())
				}
			}
		}
	}
	if unknown != 1 {
		t.Errorf("%d %q events; want 1", unknown, EventCreateOutcomeUnknown)
	}
}

func TestStepSpansHoldNoPersonalData(t *testing.T) {
	t.Parallel()
	f, rec, tp := traced(t)
	f.srv.FailNext(mykaarmatest.OpSearch, 1, 503)
	ctx, parent := tp.Tracer("test").Start(t.Context(), "event")
	if _, err := f.h.Handle(ctx, leadEvent()); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	parent.End()
	for _, s := range rec.Ended() {
		var all []string
		for _, a := range s.Attributes() {
			all = append(all, a.Value.String())
		}
		for _, e := range s.Events() {
			for _, a := range e.Attributes {
				all = append(all, a.Value.String())
			}
		}
		all = append(all, s.Status().Description)
		text := strings.ToLower(strings.Join(all, " "))
		for _, pii := range []string{"doe", "john", "1361006", "gmail"} {
			if strings.Contains(text, pii) {
				t.Errorf("span %q holds %q: %s", s.Name(), pii, text)
			}
		}
	}
}
