package tracing

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/handlers"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TracerName is the instrumentation scope of the worker's spans.
const TracerName = "github.com/leadworker/leadworker/worker"

// Span attributes of an event. None holds a name, phone, email or address.
const (
	AttrEventID        = attribute.Key("leadworker.event.id")
	AttrEventType      = attribute.Key("leadworker.event.type")
	AttrLeadID         = attribute.Key("leadworker.lead.id")
	AttrDepartment     = attribute.Key("leadworker.department.uuid")
	AttrStage          = attribute.Key("leadworker.stage") // route or process
	AttrOutcome        = attribute.Key("leadworker.outcome")
	AttrMatchRule      = handlers.AttrMatchRule
	AttrCustomerAction = attribute.Key("leadworker.customer.action")
	AttrCustomerUUID   = attribute.Key("leadworker.customer.uuid")
	AttrAttempts       = attribute.Key("leadworker.attempts")
	AttrDeadLetter     = attribute.Key("leadworker.dead_letter.class")
	AttrRoutedBy       = attribute.Key("leadworker.routed_by")
)

// Tracing is the worker's use of OpenTelemetry. Trace context is read from
// the input record's headers as W3C traceparent, tracestate and baggage,
// and written to myKaarma requests and output records as traceparent and
// tracestate only: baggage, which a producer may fill with anything, never
// leaves through leadworker's own writes (a dead letter or route record
// keeps the input's headers as they came).
//
// Without a TracerProvider (export off) no span is started at all: the
// input's trace context itself is passed on, at the cost of reading and
// writing two headers.
type Tracing struct {
	tp     trace.TracerProvider // nil: export off
	tracer trace.Tracer         // nil: export off
	in     propagation.TextMapPropagator
	out    propagation.TextMapPropagator
}

// New returns the tracing of tp (nil: export off) with propagators, by
// their OTEL_PROPAGATORS names (none: tracecontext and baggage in,
// tracecontext out).
func New(tp trace.TracerProvider, propagators []string) (*Tracing, error) {
	in, out, err := textMapPropagators(propagators)
	if err != nil {
		return nil, err
	}
	t := &Tracing{in: in, out: out}
	if tp != nil {
		t.tp, t.tracer = tp, tp.Tracer(TracerName)
	}
	return t, nil
}

// textMapPropagators returns the propagator that reads names from input
// records and the one that writes them, baggage excepted, to what the worker
// sends. Names are trimmed; empty ones are ignored.
func textMapPropagators(names []string) (in, out propagation.TextMapPropagator, err error) {
	var read, write []string
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		read = append(read, n)
		if n != "baggage" {
			write = append(write, n)
		}
	}
	if len(read) == 0 {
		read, write = []string{"tracecontext", "baggage"}, []string{"tracecontext"}
	}
	if in, err = autoprop.TextMapPropagator(read...); err != nil {
		return nil, nil, fmt.Errorf("trace propagators %q (OTEL_PROPAGATORS): %w", strings.Join(read, ","), err)
	}
	// write is read without baggage: its names are known. Without any, it
	// is the no-op propagator.
	if out, err = autoprop.TextMapPropagator(write...); err != nil {
		return nil, nil, fmt.Errorf("trace propagators %q: %w", strings.Join(write, ","), err)
	}
	return in, out, nil
}

// headerCarrier reads trace context from Kafka record headers.
type headerCarrier []consumer.Header

func (c headerCarrier) Get(key string) string {
	for _, h := range c {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

func (c headerCarrier) Set(string, string) {} // extraction only

func (c headerCarrier) Keys() []string {
	keys := make([]string, len(c))
	for i, h := range c {
		keys[i] = h.Key
	}
	return keys
}

// outCarrier collects injected trace context as record headers.
type outCarrier struct{ hs []consumer.Header }

func (c *outCarrier) Get(string) string { return "" } // injection only
func (c *outCarrier) Set(k, v string)   { c.hs = append(c.hs, consumer.Header{Key: k, Value: []byte(v)}) }
func (c *outCarrier) Keys() []string    { return nil }

// appendHeaders appends the trace context of ctx to hs as the headers of an
// output record (traceparent and, when set, tracestate), or nothing.
func (t *Tracing) appendHeaders(ctx context.Context, hs []consumer.Header) []consumer.Header {
	c := outCarrier{hs: hs}
	t.out.Inject(ctx, &c)
	return c.hs
}

// Stage wraps one stage's consumer.Handler in the event's span.
func (t *Tracing) Stage(name, group, routeTopic string) consumer.Middleware {
	return func(next consumer.Handler) consumer.Handler {
		return &tracedStage{next: next, t: t, name: name, group: group, routeTopic: routeTopic}
	}
}

// tracedStage is a consumer.Handler that continues the trace of the input
// record: it starts the event's span (SpanKindConsumer, named for the
// messaging conventions, e.g. "process crm.events"), as a child of the
// record's traceparent and linked to it, hands the span's context to the
// stage's handler (whose log line names trace_id and span_id), and sets
// traceparent and tracestate on the output record. A route record gets the context
// of its own producer span ("create leadworker.route"), which the process
// stage's span then continues.
type tracedStage struct {
	next       consumer.Handler
	t          *Tracing
	name       string // "route" or "process": the operation, and leadworker.stage
	group      string
	routeTopic string // where a routed record goes
}

// Handle implements consumer.Handler.
func (s *tracedStage) Handle(ctx context.Context, m *consumer.Message) (consumer.Outcome, error) {
	ctx = s.t.in.Extract(ctx, headerCarrier(m.Headers))
	span := trace.Span(noop.Span{})
	if s.t.tracer != nil {
		ctx, span = s.start(ctx, m)
		defer span.End()
	}
	out, err := s.next.Handle(ctx, m)
	if err != nil {
		// Not done: the consumer retries the record later. The error's text
		// may echo the event, so only that much is said.
		span.SetStatus(codes.Error, "not done; retried later")
		return out, err
	}
	sc := trace.SpanContextFromContext(ctx) // the event's span, or the producer's when export is off
	if !sc.IsValid() {
		return out, nil
	}
	created := ctx
	if out.Route != nil && s.t.tracer != nil {
		created = s.created(ctx)
	}
	out.Headers = s.t.appendHeaders(created, out.Headers)
	return out, nil
}

// start starts the event's span as a child of the producer's context in
// ctx, linked to it.
func (s *tracedStage) start(ctx context.Context, m *consumer.Message) (context.Context, trace.Span) {
	opts := []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			semconv.MessagingSystemKafka,
			semconv.MessagingOperationTypeProcess,
			semconv.MessagingOperationName(s.name),
			semconv.MessagingDestinationName(m.Topic),
			semconv.MessagingDestinationPartitionID(strconv.Itoa(m.Partition)),
			semconv.MessagingKafkaOffset(int(m.Offset)),
			semconv.MessagingConsumerGroupName(s.group),
			semconv.MessagingMessageBodySize(len(m.Value)),
			AttrStage.String(s.name),
		),
	}
	if producer := trace.SpanContextFromContext(ctx); producer.IsValid() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: producer}))
	}
	return s.t.tracer.Start(ctx, s.name+" "+m.Topic, opts...)
}

// created starts and ends the producer span of a route record and returns
// its context, which the record carries. It marks the record's creation:
// the broker's acknowledgement comes after the span ends.
func (s *tracedStage) created(ctx context.Context) context.Context {
	ctx, span := s.t.tracer.Start(ctx, "create "+s.routeTopic,
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			semconv.MessagingSystemKafka,
			semconv.MessagingOperationTypeCreate,
			semconv.MessagingOperationName("create"),
			semconv.MessagingDestinationName(s.routeTopic),
		))
	span.End()
	return ctx
}

// StartSpan starts a child span with tracer; with a nil tracer (export
// off) it returns ctx and a span that does nothing.
func StartSpan(ctx context.Context, tracer trace.Tracer, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	if tracer == nil {
		return ctx, noop.Span{}
	}
	return tracer.Start(ctx, name, opts...)
}

// EndDecode ends the decoding span, failed when err is not nil. A schema
// error names paths and may quote values: only the class is recorded.
func EndDecode(span trace.Span, err error) {
	if err != nil {
		span.SetStatus(codes.Error, "invalid")
	}
	span.End()
}

// HTTP wraps rt (the myKaarma transport) in otelhttp: a client span
// per call, named by spanName (leadworker: "myKaarma search"), and traceparent and
// tracestate (never baggage) on the request. The query string, where the
// search term carries phones and emails, is left out of url.full. With
// export off, the request only gets the trace context.
func (t *Tracing) HTTP(rt http.RoundTripper, spanName func(r *http.Request) string) http.RoundTripper {
	if t.tp == nil {
		return &propagate{next: rt, prop: t.out}
	}
	return otelhttp.NewTransport(&scrubURL{next: rt},
		otelhttp.WithTracerProvider(t.tp),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithPropagators(t.out),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			return spanName(r)
		}),
	)
}

// scrubURL sits under otelhttp and overwrites the url.full attribute of the
// call's span with the URL without its query and fragment (the last value
// of an attribute wins).
type scrubURL struct {
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (s *scrubURL) RoundTrip(req *http.Request) (*http.Response, error) {
	if span := trace.SpanFromContext(req.Context()); span.IsRecording() {
		u := *req.URL
		u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
		span.SetAttributes(semconv.URLFull(u.String()))
	}
	return s.next.RoundTrip(req)
}

// propagate sets the trace context of the request's context (the
// producer's, when export is off) on the request.
type propagate struct {
	next http.RoundTripper
	prop propagation.TextMapPropagator
}

// RoundTrip implements http.RoundTripper.
func (p *propagate) RoundTrip(req *http.Request) (*http.Response, error) {
	if trace.SpanContextFromContext(req.Context()).IsValid() {
		req = req.Clone(req.Context()) // a RoundTripper must not modify the request
		p.prop.Inject(req.Context(), propagation.HeaderCarrier(req.Header))
	}
	return p.next.RoundTrip(req)
}

// Provider is the TracerProvider; nil when export is off.
func (t *Tracing) Provider() trace.TracerProvider { return t.tp }

// Tracer is the worker's tracer; nil when export is off.
func (t *Tracing) Tracer() trace.Tracer { return t.tracer }
