package worker

import "go.opentelemetry.io/otel/trace"

// WithTracerProvider makes the worker's spans with tp: one per event, its
// decoding, each handler step and each myKaarma call. Without it (or with
// nil) no span is recorded, yet the trace context an input record carries
// is still passed on to myKaarma and to the output records.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tp = tp }
}

// WithPropagators sets the trace-context formats by their OTEL_PROPAGATORS
// names: tracecontext, baggage, b3, b3multi, jaeger, xray, ottrace, or none.
// The worker reads every one of them from input records, and writes each but
// baggage to myKaarma requests and output records. New fails on an unknown
// name. Without it (or with no names) the worker reads tracecontext and
// baggage, and writes tracecontext.
func WithPropagators(names ...string) Option {
	return func(o *options) { o.propagators = names }
}
