package consumer

import (
	"context"
	"github.com/leadworker/leadworker/recovery"
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
	// record (route.HeaderGroup); "" for a record routed by a version that
	// did not say. A route record of another deployment's group does not
	// belong to this one.
	RoutedBy string
	// Parked reports that the record came back from Options.ParkTopic: it
	// is the input record a parked record carried; its park headers
	// (package park) are among Headers.
	Parked bool
	// ParkedAhead counts the records of the same Inspection.Tenant parked
	// from this partition id (of the co-partitioned topics) and not yet
	// handed back and finished, this one included when Parked: set just
	// before the Handler is called.
	ParkedAhead int
	// Bulk reports that the record was read from Options.BulkTopic.
	Bulk bool
	// parked is, for a record read from Options.ParkTopic, its own position:
	// what its output answers (recovery.HeaderSourceParked).
	parked *recovery.Origin
	// Payload is what Options.Inspect decoded of the record, for the
	// Handler; nil when it decoded nothing. The consumer does not read it.
	Payload any
	// Epoch is the epoch of the input partition the record came from (see
	// commitmeta.go): it changes when an operator resets the input group's
	// offsets, so that records read again after a reset are handled again
	// rather than taken for records already answered. 0: none known.
	Epoch int64
}

// Inspection is what Options.Inspect says of a record before it is handled.
type Inspection struct {
	// Lane: records of one lane are handled one at a time, in offset order;
	// records of different lanes concurrently.
	Lane string
	// Tenant is whose record it is (for leadworker, the department), for
	// the count of parked records (Message.ParkedAhead) and, with
	// Options.Fair, the share of handler slots.
	Tenant string
	// Priority, with Options.Fair: smaller is more urgent; 0 is normal.
	Priority int
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

// Park sets an input record aside on Options.ParkTopic, on the partition
// it was read from: its key, value and headers unchanged, its origin in
// route headers (as a route record), Tenant and the partition in park
// headers, and Headers besides (package park's: when it may come back,
// why). Written, it counts as the record's output: its offset may be
// committed, and after a crash it is not handled again. It comes back to
// the consumer of ParkTopic, once Options.ParkHold lets it.
type Park struct {
	Tenant  string
	Headers []Header
}

// Middleware wraps a Handler with what every record goes through (tracing,
// a pause gate).
type Middleware func(Handler) Handler

// Chain wraps h in mws, the first outermost.
func Chain(h Handler, mws ...Middleware) Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// Outcome is what a Handler decided for a record: exactly one of Result,
// DeadLetter, Route or Park is set.
type Outcome struct {
	// Result is the value of the result-topic record, keyed like the input.
	Result []byte
	// DeadLetter, when set, sends the input's original key and value to the
	// dead-letter topic with its headers instead.
	DeadLetter *DeadLetter
	// Route, when set, sends the input record on to Options.RouteTopic
	// (identity routing) instead.
	Route *Route
	// Park, when set, sets the input record aside on Options.ParkTopic
	// instead: it is done here, and comes back later from that topic.
	Park *Park
	// Headers are set on the output record, whichever it is (trace context:
	// traceparent, tracestate). On a dead letter or a route record, which
	// carry the input's headers, each replaces the input's headers of its key
	// rather than adding a second one. See withHeaders.
	Headers []Header
	// Done, when set, is called once the output has been acknowledged (the
	// record's offset may be committed from then on), from the goroutine that
	// handled the record, with the time since the record was fetched. A
	// record that is redelivered is done again when it finishes again. It
	// must be quick and must not block (a log line, metrics, a flood guard).
	Done func(latency time.Duration)
}

// DeadLetter is a dead-letter record: the input's key and value as they
// came, the input's headers but those Own claims or Headers sets, Headers,
// and the source headers of the record's origin (package recovery). The
// consumer writes what it is told: what a dead letter says is the Handler's.
type DeadLetter struct {
	Headers []Header
	// Own reports the input headers to leave out (a replayed dead letter's
	// old error headers, so that they are replaced, not piled up); nil keeps
	// them all.
	Own func(key string) bool
	// Reference, when set, gives the headers of a reference letter, written
	// with an empty value in place of the dead letter once the broker has
	// refused it (too large, invalid for the topic) for
	// Options.DLQWriteGiveUp; size is the input value's. nil: the dead
	// letter is retried for ever.
	Reference func(size int, cause error) []Header
}

// origin is the input position m answers for: the position its result
// (source) or dead letter (source.* headers) names, and the one position a
// fetched record is matched by when answered work is skipped after a crash
// (see answered.go). It is m's own position: a routed record has the input
// position it carries set as its own when it is read (unroute, route.go), and
// every match goes through this function.
func (m *Message) origin() (topic string, partition int, offset int64) {
	return m.Topic, m.Partition, m.Offset
}

// originOf is what an output of m answers, as a recovery.Origin: m's
// origin, or for a record read back from the parked topic its own position.
func originOf(m *Message) recovery.Origin {
	if m.parked != nil {
		return *m.parked
	}
	t, p, o := m.origin()
	return recovery.Origin{Topic: t, Partition: p, Offset: o}
}

// Header returns the value of m's last header named key; nil when it has
// none.
func (m *Message) Header(key string) []byte {
	for i := len(m.Headers) - 1; i >= 0; i-- {
		if m.Headers[i].Key == key {
			return m.Headers[i].Value
		}
	}
	return nil
}
