package worker

import (
	"context"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/deadletter"
	"github.com/leadworker/leadworker/guard"
	"github.com/sirupsen/logrus"
	"go.opentelemetry.io/otel/trace"
)

// summary is the worker's typed account of a finished event, for its log
// line and metrics.
type summary struct {
	Outcome  string // QUEUED, UNPROCESSED, SAVED or DEAD_LETTER
	Rule     string // the match rule; "" for a dead letter
	Attempts int
	// LeadRetried counts the lead saves that were sent, got no answer and were
	// tried again (LEAD_UNKNOWN_OUTCOME=retry).
	LeadRetried int
}

// outcomeDeadLetter is the outcome label of a dead-lettered event.
const outcomeDeadLetter = "DEAD_LETTER"

// finisher turns the worker's verdict on an event into the consumer's
// Outcome, with the hook that reports it once its output is acknowledged:
// one log line, the metrics and the flood guard. Nothing is reported of an
// event whose output was not written (it is redelivered).
type finisher struct {
	metrics *metrics
	flood   *guard.Flood
	log     logrus.FieldLogger // the stage's
	now     func() time.Time
}

// result is the outcome of an event answered with value.
func (f *finisher) result(ctx context.Context, m *consumer.Message, value []byte, s summary, fields logrus.Fields) consumer.Outcome {
	return consumer.Outcome{Result: value, Done: f.done(ctx, m, s, nil, fields)}
}

// deadLetter is the outcome of an event dead-lettered for l.
func (f *finisher) deadLetter(ctx context.Context, m *consumer.Message, l *deadletter.Letter, s summary, fields logrus.Fields) consumer.Outcome {
	deadLettered(ctx, l)
	s.Outcome = outcomeDeadLetter
	s.Attempts = l.Attempts
	return consumer.Outcome{DeadLetter: l.DeadLetter(f.now()), Done: f.done(ctx, m, s, l, fields)}
}

// routed is the outcome of an event sent on to the route topic.
func (f *finisher) routed(ctx context.Context, m *consumer.Message, key []byte, by, eventID string, bulk bool) consumer.Outcome {
	fields := withTrace(ctx, logrus.Fields{"eventId": eventID, "routedBy": by, "bulk": bulk})
	return consumer.Outcome{Route: &consumer.Route{Key: key, Bulk: bulk}, Done: func(latency time.Duration) {
		f.metrics.routed.WithLabelValues(by).Inc()
		f.line(m, fields, latency).Debug("routed")
	}}
}

// done is the hook that reports an event answered with s (l: dead-lettered).
func (f *finisher) done(ctx context.Context, m *consumer.Message, s summary, l *deadletter.Letter, fields logrus.Fields) func(time.Duration) {
	if fields == nil {
		fields = logrus.Fields{}
	}
	fields = withTrace(ctx, fields)
	fields["outcome"] = s.Outcome
	fields["attempts"] = s.Attempts
	return func(latency time.Duration) {
		f.metrics.finished(s, l, latency)
		f.flood.Record(l != nil)
		if l == nil {
			f.line(m, fields, latency).Info("processed")
			return
		}
		fields["class"], fields["reason"] = l.Class, l.Message
		if l.EventID != "" {
			fields["eventId"] = l.EventID
		}
		f.line(m, fields, latency).Warn("dead-lettered")
	}
}

// line is the log entry of an event finished after latency.
func (f *finisher) line(m *consumer.Message, fields logrus.Fields, latency time.Duration) *logrus.Entry {
	return f.log.WithFields(fields).WithFields(logrus.Fields{
		"topic": m.Topic, "partition": m.Partition, "offset": m.Offset, "latency_ms": latency.Milliseconds(),
	})
}

// withTrace adds the trace and span ids of ctx's span, if any, to fields.
func withTrace(ctx context.Context, fields logrus.Fields) logrus.Fields {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		fields["trace_id"] = sc.TraceID().String()
		fields["span_id"] = sc.SpanID().String()
	}
	return fields
}
