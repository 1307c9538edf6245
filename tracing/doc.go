// Package tracing is leadworker's use of OpenTelemetry: the event's span
// around each stage's handler (a consumer.Middleware), the trace context
// read from input records and written to myKaarma requests and output
// records, the span attributes of an event, and the spans of myKaarma calls.
// Without a TracerProvider no span is made, yet the input's trace context
// is passed on.
package tracing
