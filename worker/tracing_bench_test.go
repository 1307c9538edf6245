package worker

import (
	"context"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/tracing"
	"github.com/sirupsen/logrus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// discard is a SpanExporter that drops every span.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// BenchmarkProcessorTracing is the CPU cost of tracing per event: the
// processor decoding and validating a lead event and handing it to a
// matcher that answers at once (no myKaarma, no Kafka), with the input
// carrying a producer's traceparent.
//
//	untraced     the processor alone, no tracing code at all
//	export-off   what `leadworker run` does without a collector: the event's
//	             span and trace-context passing on the no-op provider
//	sampled      an SDK provider sampling every event, batching to an
//	             exporter that drops them (the cost of recording spans)
//
//	tracing-only the tracing code alone around a handler that does nothing
//	             else (no decoding): untraced, export off and sampled; the
//	             difference is the absolute cost of tracing per event
//
// go test -run '^$' -bench BenchmarkProcessorTracing -benchtime 20000x -count 6 ./worker/
func BenchmarkProcessorTracing(b *testing.B) {
	value, err := os.ReadFile("../examples/03-match-lastname-contact.json")
	if err != nil {
		b.Fatal(err)
	}
	out := &handlers.Outcome{Outcome: "QUEUED", CustomerUUID: "c-1", CustomerAction: "updated", MatchRule: "lastName+contact", Attempts: 1, LeadID: "L-1", RequestID: "r-1"}
	msg := consumer.Message{Topic: "crm.events", Partition: 1, Offset: 42, Key: []byte("k"), Value: value,
		Headers: []consumer.Header{{Key: "traceparent", Value: []byte("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")}}}
	log := logrus.New()
	log.Out = io.Discard
	newProcessor := func(tracer trace.Tracer) *processor {
		return &processor{match: stubMatcher{out: out}, gate: guard.NewGate(time.Now, time.Second, time.Second),
			log: log, now: time.Now, tracer: tracer}
	}
	run := func(b *testing.B, h consumer.Handler) {
		ctx := context.Background()
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			m := msg
			if _, err := h.Handle(ctx, &m); err != nil {
				b.Fatal(err)
			}
		}
		// CPU time (user+sys, all threads: GC and the batch exporter
		// included) is steadier than wall time on a shared machine.
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	}
	b.Run("untraced", func(b *testing.B) {
		run(b, newProcessor(nil))
	})
	b.Run("export-off", func(b *testing.B) {
		tr := mustTracing(b, nil)
		run(b, consumer.Chain(newProcessor(tr.Tracer()), tr.Stage("process", "leadworker", "")))
	})
	b.Run("sampled", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}), sdktrace.WithSampler(sdktrace.AlwaysSample()))
		defer tp.Shutdown(context.Background())
		tr := mustTracing(b, tp)
		run(b, consumer.Chain(newProcessor(tr.Tracer()), tr.Stage("process", "leadworker", "")))
	})
	// The tracing alone: the event's span around a handler that only does
	// what the processor does for tracing (a decode span, the event's
	// attributes). Its cost over the processor's untraced cost is the
	// overhead, measured without the noise of decoding.
	tracingOnly := func(tracer trace.Tracer) consumer.Handler {
		return consumer.HandlerFunc(func(ctx context.Context, m *consumer.Message) (consumer.Outcome, error) {
			_, span := tracing.StartSpan(ctx, tracer, "decode")
			tracing.EndDecode(span, nil)
			if span := trace.SpanFromContext(ctx); span.IsRecording() {
				span.SetAttributes(tracing.AttrEventID.String("ev-1"), tracing.AttrEventType.String("lead"), tracing.AttrDepartment.String("d-1"), tracing.AttrLeadID.String("L-1"))
				span.SetAttributes(tracing.AttrOutcome.String("QUEUED"), tracing.AttrMatchRule.String("none"),
					tracing.AttrCustomerAction.String("created"), tracing.AttrCustomerUUID.String("c-1"), tracing.AttrAttempts.Int(1))
			}
			return consumer.Outcome{Result: []byte("{}")}, nil
		})
	}
	b.Run("tracing-only/untraced", func(b *testing.B) {
		run(b, tracingOnly(nil))
	})
	b.Run("tracing-only/export-off", func(b *testing.B) {
		tr := mustTracing(b, nil)
		run(b, consumer.Chain(tracingOnly(tr.Tracer()), tr.Stage("process", "leadworker", "")))
	})
	b.Run("tracing-only/sampled", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}), sdktrace.WithSampler(sdktrace.AlwaysSample()))
		defer tp.Shutdown(context.Background())
		tr := mustTracing(b, tp)
		run(b, consumer.Chain(tracingOnly(tr.Tracer()), tr.Stage("process", "leadworker", "")))
	})
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// mustTracing is tracing.New with the default propagators.
func mustTracing(b *testing.B, tp trace.TracerProvider) *tracing.Tracing {
	b.Helper()
	tr, err := tracing.New(tp, nil)
	if err != nil {
		b.Fatal(err)
	}
	return tr
}
