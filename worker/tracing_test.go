package worker_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/sandbox"
	"github.com/leadworker/leadworker/tracing"
	"github.com/leadworker/leadworker/worker"
	"github.com/segmentio/kafka-go"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// The producer's trace: a CRM's span that wrote the input record.
const (
	producerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	producerSpan  = "00f067aa0ba902b7"
	traceparent   = "00-" + producerTrace + "-" + producerSpan + "-01"
)

func traceHeaders() map[string]string {
	return map[string]string{"traceparent": traceparent, "tracestate": "crm=1", "baggage": "tenant=acme"}
}

// traceparents returns the values of m's traceparent headers.
func traceparents(m kafka.Message) []string { return headerValues(m, "traceparent") }

// headerValues returns the values of m's headers named key.
func headerValues(m kafka.Message, key string) []string {
	var out []string
	for _, h := range m.Headers {
		if h.Key == key {
			out = append(out, string(h.Value))
		}
	}
	return out
}

// produceAndWait sends samples through p and returns the outputs once there
// is one per sample.
func produceAndWait(t *testing.T, p *pipeline, samples ...sandbox.Sample) (results, dead []kafka.Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sandbox.Produce(ctx, p.cfg, samples); err != nil {
		t.Fatal(err)
	}
	if err := p.outputs.WaitFor(ctx, len(samples), nil); err != nil {
		t.Fatal(err)
	}
	return p.outputs.Snapshot()
}

// traceOf returns the trace id of a traceparent value.
func traceOf(tp string) string {
	parts := strings.Split(tp, "-")
	if len(parts) != 4 {
		return ""
	}
	return parts[1]
}

func attrOf(s sdktrace.ReadOnlySpan, k attribute.Key) string {
	for _, a := range s.Attributes() {
		if a.Key == k {
			return a.Value.String()
		}
	}
	return ""
}

// tracedPipeline is startPipeline with spans recorded in memory.
func tracedPipeline(t *testing.T, tweak func(*worker.Config)) (*pipeline, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return startPipeline(t, tweak, worker.WithTracerProvider(tp)), exp
}

func invalidSample(t *testing.T) sandbox.Sample {
	t.Helper()
	b, err := os.ReadFile("../examples/07-invalid-missing-lead-type.json")
	if err != nil {
		t.Fatal(err)
	}
	return sandbox.Sample{Name: "invalid", Key: "invalid", Value: b, Headers: traceHeaders()}
}

func TestTraceFollowsTheEvent(t *testing.T) {
	for _, routing := range []bool{true, false} {
		name := map[bool]string{true: "identity routing", false: "no routing"}[routing]
		t.Run(name, func(t *testing.T) {
			p, exp := tracedPipeline(t, func(c *worker.Config) { c.IdentityRouting = routing })
			lead := leadEvents(t, "trace", 1)[0]
			lead.Headers = traceHeaders()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := sandbox.Produce(ctx, p.cfg, []sandbox.Sample{lead, invalidSample(t)}); err != nil {
				t.Fatal(err)
			}
			if err := p.outputs.WaitFor(ctx, 2, nil); err != nil {
				t.Fatal(err)
			}
			results, dead := p.outputs.Snapshot()
			if len(results) != 1 || len(dead) != 1 {
				t.Fatalf("%d results, %d dead letters; want 1 and 1", len(results), len(dead))
			}

			// The result and the dead letter carry the producer's trace, once.
			for what, m := range map[string]kafka.Message{"result": results[0], "dead letter": dead[0]} {
				tps := traceparents(m)
				if len(tps) != 1 || traceOf(tps[0]) != producerTrace || tps[0] == traceparent {
					t.Errorf("%s traceparents = %q; want exactly one, in trace %s, of leadworker's span", what, tps, producerTrace)
				}
			}

			// myKaarma saw the trace on every call, and never the baggage.
			reqs := p.fake.Requests()
			if len(reqs) == 0 {
				t.Fatal("no myKaarma calls")
			}
			for _, r := range reqs {
				if got := traceOf(r.Header.Get("traceparent")); got != producerTrace {
					t.Errorf("%s %s traceparent = %q; want trace %s", r.Method, r.Path, r.Header.Get("traceparent"), producerTrace)
				}
				if r.Header.Get("tracestate") != "crm=1" {
					t.Errorf("%s %s tracestate = %q; want crm=1", r.Method, r.Path, r.Header.Get("tracestate"))
				}
				if b := r.Header.Get("baggage"); b != "" {
					t.Errorf("%s %s carries baggage %q; want none", r.Method, r.Path, b)
				}
			}

			// Every span is in the producer's trace; the spans make one tree.
			// Spans end before the output is written; this only guards
			// against a batching provider.
			testkit.WaitFor(t, 10*time.Second, "the spans of both outcomes", func() bool {
				n := 0
				for _, s := range exp.GetSpans().Snapshots() {
					if attrOf(s, tracing.AttrOutcome) != "" {
						n++
					}
				}
				return n == 2
			})
			spans := exp.GetSpans().Snapshots()
			byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
			for _, s := range spans {
				if s.SpanContext().TraceID().String() != producerTrace {
					t.Errorf("span %q in trace %s; want %s", s.Name(), s.SpanContext().TraceID(), producerTrace)
				}
				byID[s.SpanContext().SpanID()] = s
			}
			var names []string
			for _, s := range spans {
				names = append(names, s.Name())
				if s.Parent().SpanID().String() != producerSpan {
					if _, ok := byID[s.Parent().SpanID()]; !ok {
						t.Errorf("span %q has parent %s, neither the producer's nor one of ours", s.Name(), s.Parent().SpanID())
					}
				}
				if strings.HasPrefix(s.Name(), "myKaarma ") {
					if u := attrOf(s, "url.full"); u == "" || strings.Contains(u, "?") {
						t.Errorf("span %q url.full = %q; want the URL without its query", s.Name(), u)
					}
				}
			}
			all := strings.Join(names, ",")
			for _, want := range []string{"process crm.events", "decode", "search customer", "create customer", "save lead", "myKaarma search", "myKaarma create", "myKaarma lead"} {
				if !strings.Contains(all, want) {
					t.Errorf("spans %s; want one named %q", all, want)
				}
			}
			if routing {
				checkRouteHop(t, spans, byID, lead.Name)
			}

			// The outcome log lines (written just after the output) carry
			// trace_id and span_id.
			outcomeLines := func() []string {
				var lines []string
				for _, e := range p.hook.AllEntries() {
					if e.Message == "processed" || e.Message == "dead-lettered" {
						lines = append(lines, fmt.Sprintf("%s trace_id=%v span_id=%v", e.Message, e.Data["trace_id"], e.Data["span_id"]))
					}
				}
				return lines
			}
			testkit.WaitFor(t, 10*time.Second, "two outcome lines", func() bool { return len(outcomeLines()) == 2 })
			for _, l := range outcomeLines() {
				if !strings.Contains(l, "trace_id="+producerTrace) || strings.Contains(l, "span_id=<nil>") {
					t.Errorf("outcome line %q; want trace_id %s and a span_id", l, producerTrace)
				}
			}
		})
	}
}

// checkRouteHop: the route stage's span creates the route record in a
// producer span, and the process stage's span continues and links it.
func checkRouteHop(t *testing.T, spans []sdktrace.ReadOnlySpan, byID map[trace.SpanID]sdktrace.ReadOnlySpan, eventID string) {
	t.Helper()
	var process sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Name() == "process crm.events" && attrOf(s, tracing.AttrEventID) == eventID {
			process = s
		}
	}
	if process == nil {
		t.Fatalf("no process span for %s", eventID)
	}
	create, ok := byID[process.Parent().SpanID()]
	if !ok || create.Name() != "create leadworker.route" || create.SpanKind() != trace.SpanKindProducer {
		t.Fatalf("process span's parent = %v; want the producer span create leadworker.route", create)
	}
	if len(process.Links()) != 1 || process.Links()[0].SpanContext.SpanID() != create.SpanContext().SpanID() {
		t.Errorf("process span links = %+v; want one, to the create span", process.Links())
	}
	route, ok := byID[create.Parent().SpanID()]
	if !ok || route.Name() != "route crm.events" || route.Parent().SpanID().String() != producerSpan {
		t.Errorf("create span's parent = %v; want route crm.events, child of the producer's span", route)
	}
	for k, want := range map[attribute.Key]string{
		"messaging.system": "kafka", "messaging.destination.name": "crm.events", "messaging.consumer.group.name": "leadworker.route",
		"messaging.operation.type": "process", tracing.AttrLeadID: "LEAD-" + eventID,
	} {
		if got := attrOf(process, k); got != want {
			t.Errorf("process span %s = %q; want %q", k, got, want)
		}
	}
	if attrOf(process, "messaging.destination.partition.id") == "" || attrOf(process, "messaging.kafka.offset") == "" {
		t.Errorf("process span lacks partition or offset: %v", process.Attributes())
	}
}

// Without a TracerProvider nothing is recorded, yet the producer's trace
// context reaches myKaarma and the output records.
func TestTraceContextPassesWithTracingOff(t *testing.T) {
	p := startPipeline(t, nil)
	lead := leadEvents(t, "off", 1)[0]
	lead.Headers = traceHeaders()
	results, dead := produceAndWait(t, p, lead, invalidSample(t))
	for _, m := range append(results, dead...) {
		if tps := traceparents(m); len(tps) != 1 || tps[0] != traceparent {
			t.Errorf("output %s traceparents = %q; want [%s]", m.Key, tps, traceparent)
		}
	}
	for _, r := range p.fake.Requests() {
		if r.Header.Get("traceparent") != traceparent || r.Header.Get("baggage") != "" {
			t.Errorf("%s %s traceparent = %q baggage = %q; want %s and none", r.Method, r.Path, r.Header.Get("traceparent"), r.Header.Get("baggage"), traceparent)
		}
	}
	if len(p.fake.Requests()) == 0 {
		t.Error("no myKaarma calls")
	}
}

// A record without trace context starts a trace of its own when tracing is
// on, and its outputs carry that one.
func TestTraceStartsWithoutProducer(t *testing.T) {
	p, exp := tracedPipeline(t, nil)
	lead := leadEvents(t, "root", 1)[0]
	results, _ := produceAndWait(t, p, lead)
	tps := traceparents(results[0])
	if len(tps) != 1 {
		t.Fatalf("result traceparents = %q; want one", tps)
	}
	found := false
	for _, s := range exp.GetSpans() {
		if s.Name == "route crm.events" && s.SpanContext.TraceID().String() == traceOf(tps[0]) && !s.Parent.IsValid() {
			found = true
		}
	}
	if !found {
		t.Errorf("no root span route crm.events in the result's trace %s", traceOf(tps[0]))
	}
}

// With OTEL_PROPAGATORS=b3 the worker reads a Zipkin producer's single b3
// header and writes b3, not traceparent, to myKaarma and its outputs.
func TestTracePropagatorsB3(t *testing.T) {
	p := startPipeline(t, nil, worker.WithPropagators("b3"))
	lead := leadEvents(t, "b3", 1)[0]
	lead.Headers = map[string]string{"b3": producerTrace + "-" + producerSpan + "-1"}
	results, _ := produceAndWait(t, p, lead)
	if b3 := headerValues(results[0], "b3"); len(b3) != 1 || !strings.HasPrefix(b3[0], producerTrace+"-"+producerSpan+"-") {
		t.Errorf("result b3 headers = %q; want one in trace %s", b3, producerTrace)
	}
	if tps := traceparents(results[0]); len(tps) != 0 {
		t.Errorf("result traceparents = %q; want none with b3 only", tps)
	}
	if len(p.fake.Requests()) == 0 {
		t.Fatal("no myKaarma calls")
	}
	for _, r := range p.fake.Requests() {
		if !strings.HasPrefix(r.Header.Get("b3"), producerTrace+"-") || r.Header.Get("traceparent") != "" {
			t.Errorf("%s %s b3 = %q traceparent = %q; want trace %s in b3 only", r.Method, r.Path, r.Header.Get("b3"), r.Header.Get("traceparent"), producerTrace)
		}
	}
}

func TestPropagatorNames(t *testing.T) {
	for _, tc := range []struct {
		names []string
		ok    bool
	}{
		{nil, true},
		{[]string{"tracecontext", "baggage"}, true},
		{[]string{" b3 ", "b3multi", "jaeger", "xray", "ottrace"}, true},
		{[]string{"baggage"}, true}, // read only; nothing written
		{[]string{"none"}, true},
		{[]string{""}, true}, // OTEL_PROPAGATORS set empty: the default
		{[]string{"tracecontext", "zipkin"}, false},
	} {
		cfg := sandbox.Config()
		cfg.Brokers, cfg.BaseURL, cfg.Username, cfg.Password = []string{"127.0.0.1:1"}, "http://127.0.0.1:1", "u", "p"
		_, err := worker.New(cfg, worker.WithPropagators(tc.names...))
		if (err == nil) != tc.ok {
			t.Errorf("New with propagators %q: err = %v; want ok %v", tc.names, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "zipkin") {
			t.Errorf("New with propagators %q: err = %v; want it to name the unknown one", tc.names, err)
		}
	}
}
