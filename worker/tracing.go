package worker

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/handlers"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
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

// Option configures New beyond Config: what is not read from the
// environment.
type Option func(*options)

type options struct {
	tp trace.TracerProvider
}

// WithTracerProvider makes the worker's spans with tp: one per event, its
// decoding, each handler step and each myKaarma call. Without it (or with
// nil) no span is recorded, yet the trace context an input record carries
// is still passed on to myKaarma and to the output records.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tp = tp }
}

// tracing is the worker's use of OpenTelemetry. Trace context is read from
// the input record's headers as W3C traceparent, tracestate and baggage,
// and written to myKaarma requests and output records as traceparent and
// tracestate only: baggage, which a producer may fill with anything, never
// leaves through leadworker's own writes (a dead letter or route record
// keeps the input's headers as they came).
type tracing struct {
	tp     trace.TracerProvider
	tracer trace.Tracer
	in     propagation.TextMapPropagator
	out    propagation.TextMapPropagator
}

func newTracing(tp trace.TracerProvider) *tracing {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	return &tracing{
		tp:     tp,
		tracer: tp.Tracer(TracerName),
		in:     propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
		out:    propagation.TraceContext{},
	}
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

// headers returns sc as the headers of an output record (traceparent and,
// when set, tracestate), or none when sc is not valid.
func (t *tracing) headers(ctx context.Context, sc trace.SpanContext) []consumer.Header {
	if !sc.IsValid() {
		return nil
	}
	m := propagation.MapCarrier{}
	t.out.Inject(trace.ContextWithSpanContext(ctx, sc), m)
	keys := m.Keys()
	slices.Sort(keys)
	hs := make([]consumer.Header, 0, len(keys))
	for _, k := range keys {
		hs = append(hs, consumer.Header{Key: k, Value: []byte(m[k])})
	}
	return hs
}

// stage wraps one stage's consumer.Handler in the event's span.
func (t *tracing) stage(next consumer.Handler, name, group, routeTopic string) consumer.Handler {
	return &tracedStage{next: next, t: t, name: name, group: group, routeTopic: routeTopic}
}

// tracedStage is a consumer.Handler that continues the trace of the input
// record: it starts the event's span (SpanKindConsumer, named for the
// messaging conventions, e.g. "process crm.events"), as a child of the
// record's traceparent and linked to it, hands the span's context to the
// stage's handler, and sets traceparent and tracestate on the output record
// and trace_id and span_id on its log line. A route record gets the context
// of its own producer span ("create leadworker.route"), which the process
// stage's span then continues.
type tracedStage struct {
	next       consumer.Handler
	t          *tracing
	name       string // "route" or "process": the operation, and leadworker.stage
	group      string
	routeTopic string // where a routed record goes
}

// Handle implements consumer.Handler.
func (s *tracedStage) Handle(ctx context.Context, m *consumer.Message) (consumer.Outcome, error) {
	parent := s.t.in.Extract(ctx, headerCarrier(m.Headers))
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
	if producer := trace.SpanContextFromContext(parent); producer.IsValid() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: producer}))
	}
	ctx, span := s.t.tracer.Start(parent, s.name+" "+m.Topic, opts...)
	defer span.End()

	out, err := s.next.Handle(ctx, m)
	if err != nil {
		// Not done: the consumer retries the record later. The error's text
		// may echo the event, so only that much is said.
		span.SetStatus(codes.Error, "not done; retried later")
		return out, err
	}
	sc := span.SpanContext()
	if out.Route != nil {
		sc = s.created(ctx)
	}
	out.Headers = append(out.Headers, s.t.headers(ctx, sc)...)
	if sc := span.SpanContext(); sc.IsValid() {
		if out.Fields == nil {
			out.Fields = map[string]any{}
		}
		out.Fields["trace_id"] = sc.TraceID().String()
		out.Fields["span_id"] = sc.SpanID().String()
	}
	return out, nil
}

// created starts and ends the producer span of a route record and returns
// its context, which the record carries. It marks the record's creation:
// the broker's acknowledgement comes after the span ends.
func (s *tracedStage) created(ctx context.Context) trace.SpanContext {
	_, span := s.t.tracer.Start(ctx, "create "+s.routeTopic,
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			semconv.MessagingSystemKafka,
			semconv.MessagingOperationTypeCreate,
			semconv.MessagingOperationName("create"),
			semconv.MessagingDestinationName(s.routeTopic),
		))
	span.End()
	return span.SpanContext()
}

// startSpan starts a child span with tracer, or a non-recording one that
// carries ctx's span context when tracer is nil.
func startSpan(ctx context.Context, tracer trace.Tracer, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	if tracer == nil {
		return ctx, trace.SpanFromContext(ctx)
	}
	return tracer.Start(ctx, name, opts...)
}

// endDecode ends the decoding span, failed when err is not nil. A schema
// error names paths and may quote values: only the class is recorded.
func endDecode(span trace.Span, tracer trace.Tracer, err error) {
	if tracer == nil {
		return
	}
	if err != nil {
		span.SetStatus(codes.Error, "invalid")
	}
	span.End()
}

// traceHTTP wraps rt (the myKaarma transport) in otelhttp: a client span
// per call, named for the endpoint ("myKaarma search"), and traceparent and
// tracestate (never baggage) on the request. The query string, where the
// search term carries phones and emails, is left out of url.full.
func (t *tracing) traceHTTP(rt http.RoundTripper) http.RoundTripper {
	return otelhttp.NewTransport(&scrubURL{next: rt},
		otelhttp.WithTracerProvider(t.tp),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithPropagators(t.out),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			return "myKaarma " + endpointOf(r.Method, r.URL.Path)
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
