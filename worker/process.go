package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/deadletter"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/logmask"
	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/parking"
	"github.com/leadworker/leadworker/schemas"
	"github.com/leadworker/leadworker/tracing"
	"github.com/sirupsen/logrus"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// matcher is the business step: search-and-match, then save.
type matcher interface {
	Handle(ctx context.Context, ev *schemas.Event) (*handlers.Outcome, error)
}

// processor turns one input record into its result or dead-letter outcome:
// decode and validate, run the handler behind the pause gate and its
// department's pause, classify what went wrong.
type processor struct {
	match   matcher
	gate    *guard.Gate
	depts   *guard.Departments // nil: no department is paused
	circuit *guard.Circuit     // nil: no circuit breaker
	log     logrus.FieldLogger
	now     func() time.Time
	tracer  trace.Tracer    // the decoding span; nil makes none
	group   string          // KAFKA_GROUP_ID: the deployment whose route records this processor takes
	fin     *finisher       // the stage's: outcomes and their reports
	park    *parking.Policy // nil: nothing is parked (park.go)
	// maxRecord is MAX_RECORD_BYTES: a larger value is dead-lettered as
	// invalid without being decoded (0: no limit).
	maxRecord int
}

// Handle implements consumer.Handler. An event of a paused department that
// is not its department's probe returns at once with an error matching
// guard.ErrDepartmentPaused (not done: the consumer tries it again later,
// without a handler slot); a global pause makes it wait here.
func (p *processor) Handle(ctx context.Context, m *consumer.Message) (consumer.Outcome, error) {
	out, err := p.handle(ctx, m)
	if p.park == nil || err != nil || out.Park != nil {
		return out, err
	}
	p.park.Forget(m)
	if m.Parked {
		done := out.Done
		out.Done = func(latency time.Duration) {
			p.park.Unparked.Inc()
			if done != nil {
				done(latency)
			}
		}
	}
	return out, nil
}

func (p *processor) handle(ctx context.Context, m *consumer.Message) (consumer.Outcome, error) {
	if foreign(m, p.group) { // foreign.go
		return p.fin.foreign(ctx, m, p.group), nil
	}
	if err := tooLarge(m, p.maxRecord); err != nil {
		return p.fin.invalid(ctx, p.gate, m, err)
	}
	ev, err := decode(ctx, p.tracer, m)
	if err != nil {
		return p.fin.invalid(ctx, p.gate, m, err)
	}

	dept := ev.DepartmentUUID
	if p.park != nil {
		if at, old := p.park.Expired(m); m.Parked && old {
			return p.parkExpired(ctx, m, ev, at), nil
		}
		if !m.Parked && m.ParkedAhead > 0 {
			return p.park.Behind(m, dept), nil
		}
	}
	deptProbe, err := p.depts.Enter(dept)
	if err != nil {
		return p.turnedAway(m, dept, err)
	}
	probe, err := p.gate.Enter(ctx)
	if err != nil {
		p.depts.Release(dept, deptProbe)
		return consumer.Outcome{}, err
	}
	gen := p.circuit.Generation()
	hctx := guard.WithDepartment(guard.WithEvent(ctx, ev.EventID), dept)
	// Once its department is paused an event stops retrying and waits outside
	// the handler slot; a probe so tries once, which is all it asks.
	hctx = handlers.WithRetryCheck(hctx, func() error { return p.depts.PausedError(dept, nil) })
	out, err := p.match.Handle(hctx, ev)
	p.gate.Exit(probe)
	p.pauses(ctx, err, ev, deptProbe) // pauses.go
	if ctx.Err() != nil {
		p.depts.Release(dept, deptProbe)
	} else {
		p.depts.Exit(dept, deptProbe)
	}

	fields := logrus.Fields(logmask.Personal(personalValues(ev)...))
	fields["eventId"], fields["eventType"], fields["department"] = ev.EventID, ev.EventType, ev.DepartmentUUID
	if ev.Lead != nil && ev.Lead.LeadID != "" {
		fields["leadId"] = ev.Lead.LeadID
	}
	if err == nil {
		return p.result(ctx, ev, m, out, fields)
	}
	opened := circuitOpenedNone
	switch {
	case p.circuit.OpenedSince(gen):
		opened = circuitOpenedGlobal
	case p.circuit.DepartmentOpenedSince(gen, dept):
		opened = circuitOpenedDepartment
	}
	switch classify(err, ctx.Err() != nil, opened) {
	case actionPause, actionRetry:
		if paused := p.depts.PausedError(dept, err); paused != nil && (errors.Is(err, mykaarma.ErrScope) || errors.Is(err, guard.ErrDepartmentPaused)) {
			return p.turnedAway(m, dept, paused)
		}
		return consumer.Outcome{}, err // not done: retried, never dead-lettered
	case actionRetryAfterCircuit:
		if opened == circuitOpenedDepartment {
			if paused := p.depts.PausedError(dept, err); paused != nil {
				return p.turnedAway(m, dept, paused)
			}
			return consumer.Outcome{}, fmt.Errorf("myKaarma is failing for department %s (its circuit opened), retrying later: %w", dept, err)
		}
		return consumer.Outcome{}, fmt.Errorf("myKaarma is failing for every event (circuit open), retrying later: %w", err)
	}
	l := deadLetterFor(err)
	l.EventID = ev.EventID
	var s summary
	var se *handlers.StepError
	if errors.As(err, &se) {
		s.LeadRetried = se.LeadOutcomesUnknown
	}
	return p.fin.deadLetter(ctx, m, l, s, fields), nil
}

// invalid dead-letters an event that does not decode, once no pause without
// probes (a dead-letter flood) is in effect: an invalid event is still
// dead-lettered while myKaarma is down.
func (f *finisher) invalid(ctx context.Context, gate *guard.Gate, m *consumer.Message, err error) (consumer.Outcome, error) {
	if err := gate.Await(ctx); err != nil {
		return consumer.Outcome{}, err
	}
	l := &deadletter.Letter{Class: deadletter.ClassInvalid, Message: err.Error(), EventID: schemas.PeekEventID(m.Value), Attempts: 1}
	if l.EventID != "" {
		trace.SpanFromContext(ctx).SetAttributes(tracing.AttrEventID.String(l.EventID))
	}
	return f.deadLetter(ctx, m, l, summary{}, nil), nil
}

// tooLarge refuses a value larger than limit bytes (0: no limit).
func tooLarge(m *consumer.Message, limit int) error {
	if n := len(m.Value); limit > 0 && n > limit {
		return errors.New(deadletter.TooLarge(n, limit))
	}
	return nil
}

func (p *processor) result(ctx context.Context, ev *schemas.Event, m *consumer.Message, out *handlers.Outcome, fields logrus.Fields) (consumer.Outcome, error) {
	r := out.Result(ev, schemas.Source{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset}, p.now())
	b, err := json.Marshal(r)
	if err != nil {
		return consumer.Outcome{}, fmt.Errorf("marshal result: %w", err)
	}
	fields["rule"] = r.MatchRule
	fields["action"] = r.CustomerAction
	fields["customerUuid"] = r.CustomerUUID
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(tracing.AttrOutcome.String(r.Outcome), tracing.AttrMatchRule.String(r.MatchRule),
			tracing.AttrCustomerAction.String(r.CustomerAction), tracing.AttrCustomerUUID.String(r.CustomerUUID), tracing.AttrAttempts.Int(r.Attempts))
	}
	s := summary{Outcome: r.Outcome, Rule: r.MatchRule, Attempts: r.Attempts}
	for _, w := range r.Warnings {
		if w.Source == handlers.SourceLeadworker && w.Code == handlers.WarnLeadOutcomeUnknown {
			s.LeadRetried++
		}
	}
	return p.fin.result(ctx, m, b, s, fields), nil
}

// decode decodes and validates m's value in a "decode" span (or takes what
// inspect decoded), and names the event on ctx's span (the event's): eventId,
// type, leadId, department.
func decode(ctx context.Context, tracer trace.Tracer, m *consumer.Message) (*schemas.Event, error) {
	_, span := tracing.StartSpan(ctx, tracer, "decode")
	var ev *schemas.Event
	var err error
	if d, ok := m.Payload.(*decoded); ok {
		ev, err = d.ev, d.err
	} else {
		ev, err = decodeEvent(m)
	}
	tracing.EndDecode(span, err)
	event := trace.SpanFromContext(ctx)
	if !event.IsRecording() {
		return ev, err
	}
	if err != nil {
		return nil, err // invalid names the event on its span, if it has an id
	}
	event.SetAttributes(tracing.AttrEventID.String(ev.EventID), tracing.AttrEventType.String(ev.EventType), tracing.AttrDepartment.String(ev.DepartmentUUID))
	if ev.Lead != nil && ev.Lead.LeadID != "" {
		event.SetAttributes(tracing.AttrLeadID.String(ev.Lead.LeadID))
	}
	return ev, nil
}

// deadLettered marks ctx's span (the event's) failed with the dead letter's
// class and step; the message may echo the event and is left out.
func deadLettered(ctx context.Context, d *deadletter.Letter) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(tracing.AttrOutcome.String(outcomeDeadLetter), tracing.AttrDeadLetter.String(d.Class), tracing.AttrAttempts.Int(d.Attempts))
	if d.Step != "" {
		span.SetAttributes(handlers.AttrStep.String(d.Step))
	}
	span.SetStatus(codes.Error, "dead-lettered: "+d.Class)
}

// decodeEvent decodes and validates m's event. A routed record was validated
// by the route stage, which forwards the bytes unchanged, so it is decoded
// without validating it again; should that fail, Decode says precisely why.
func decodeEvent(m *consumer.Message) (*schemas.Event, error) {
	if m.Routed {
		if ev, err := schemas.DecodeValidated(m.Value); err == nil {
			return ev, nil
		}
	}
	return schemas.Decode(m.Value)
}
