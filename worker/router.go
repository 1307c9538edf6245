package worker

import (
	"context"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/fairshare"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/tracing"
	"go.opentelemetry.io/otel/trace"
)

// router is the route stage's consumer.Handler (identity routing): it
// decodes and validates an input event, dead-letters it when invalid exactly
// as the processor would, and otherwise sends it on to the route topic keyed
// by its routing key, so that the process stage of one replica gets every
// event that could be the same customer.
type router struct {
	id        identifier
	gate      *guard.Gate
	tracer    trace.Tracer    // the decoding span; nil makes none
	fin       *finisher       // the route stage's
	maxRecord int             // MAX_RECORD_BYTES (see processor)
	bulk      *fairshare.Bulk // which departments go to the bulk route (bulk.go)
	now       func() time.Time
}

// Handle implements consumer.Handler.
func (r *router) Handle(ctx context.Context, m *consumer.Message) (consumer.Outcome, error) {
	if err := tooLarge(m, r.maxRecord); err != nil {
		return r.fin.invalid(ctx, r.gate, m, err)
	}
	ev, err := decode(ctx, r.tracer, m)
	if err != nil {
		return r.fin.invalid(ctx, r.gate, m, err)
	}
	// Nothing is routed while the worker is paused for any reason, so that
	// work does not pile up on the route topic behind a pause.
	if err := r.gate.AwaitClear(ctx); err != nil {
		return consumer.Outcome{}, err
	}
	ident := r.id.Identify(ev)
	key, by := ident.RoutingKey, ident.RoutedBy
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(tracing.AttrRoutedBy.String(by))
	}
	bulk := r.bulk != nil && r.bulk.Route(ev.DepartmentUUID, string(key), r.now())
	return r.fin.routed(ctx, m, key, by, ev.EventID, bulk), nil
}
