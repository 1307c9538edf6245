package consumer

import (
	"context"
	"time"
)

// Message is one input record as the Handler sees it.
type Message struct {
	Topic     string
	Partition int
	Offset    int64
	Key       []byte
	Value     []byte
	Headers   []Header
	Time      time.Time
	// Routed reports that the record came through the route topic
	// (Options.Routed): it is the input record a route record carried, which
	// the route stage's Handler already accepted.
	Routed bool
	// RoutedBy is the consumer group of the route stage that routed the
	// record (HeaderRouteGroup); "" for a record routed by a version that
	// did not say. A route record of another deployment's group does not
	// belong to this one.
	RoutedBy string
	// Epoch is the epoch of the input partition the record came from (see
	// commitmeta.go): it changes when an operator resets the input group's
	// offsets, so that records read again after a reset are handled again
	// rather than taken for records already answered. 0: none known.
	Epoch int64
}

// Header is a Kafka record header.
type Header struct {
	Key   string
	Value []byte
}

// Handler turns an input record into its outcome.
//
// A nil error with an Outcome means the record is done: the consumer writes
// the result or dead-letter record and then lets the offset be committed.
// A non-nil error means "not done yet" (for example the caller's context ended,
// or credentials are being refused): the consumer retries the record later and
// never commits past it.
type Handler interface {
	Handle(ctx context.Context, m *Message) (Outcome, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, m *Message) (Outcome, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, m *Message) (Outcome, error) { return f(ctx, m) }

// Outcome is what a Handler decided for a record: exactly one of Result,
// DeadLetter or Route is set.
type Outcome struct {
	// Result is the value of the result-topic record, keyed like the input.
	Result []byte
	// DeadLetter, when set, sends the input's original key and value to the
	// dead-letter topic with error headers instead.
	DeadLetter *DeadLetter
	// Route, when set, sends the input record on to Options.RouteTopic
	// (identity routing) instead.
	Route *Route
	// Fields are added to the one log line the consumer writes per outcome
	// (eventId, outcome, rule...). They must not hold personal data.
	Fields map[string]any
	// Summary is the Handler's own typed account of the outcome. The consumer
	// does not read it; it hands it to the Observer unchanged, so that metrics
	// need not parse log fields.
	Summary any
	// Headers are set on the output record, whichever it is (trace context:
	// traceparent, tracestate). On a dead letter or a route record, which
	// carry the input's headers, each replaces the input's headers of its key
	// rather than adding a second one. See withHeaders.
	Headers []Header
}

// DeadLetter describes why a record is dead-lettered. It becomes headers of the
// dead-letter record.
type DeadLetter struct {
	Class      string // ClassInvalid, ClassRejected or ClassExhausted
	Message    string // precise and human-readable
	EventID    string // when the event parsed far enough
	Attempts   int
	Step       string // myKaarma step that refused it: search, read, create, update, lead
	HTTPStatus int
	HTTPBody   []byte // truncated to 1 KiB when written
}

// Dead-letter classes.
const (
	ClassInvalid   = "invalid"   // not JSON, not UTF-8, fails the schema, unknown type, too large
	ClassRejected  = "rejected"  // myKaarma refused it (4XX or an errors list)
	ClassExhausted = "exhausted" // transient failures outlasted the retry budget
)
