package sandbox

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// The CRM producer's span that wrote the traced demo event.
const (
	demoTraceID     = "4bf92f3577b34da6a3ce929d0e0e4736"
	demoProducer    = "00f067aa0ba902b7"
	demoTraceparent = "00-" + demoTraceID + "-" + demoProducer + "-01"
)

// shownAttrs are the attributes printed for a span, in this order.
var shownAttrs = []attribute.Key{
	"messaging.operation.type", "messaging.destination.name", "messaging.destination.partition.id", "messaging.kafka.offset",
	"messaging.consumer.group.name", "leadworker.event.id", "leadworker.lead.id", "leadworker.routed_by",
	"leadworker.step", "leadworker.attempt", "leadworker.match_rule", "leadworker.outcome", "leadworker.customer.action",
	"leadworker.attempts", "leadworker.dead_letter.class", "http.request.method", "url.full", "http.response.status_code", "error.type",
}

// printTrace prints the tree of the spans of the demo's traced event.
func printTrace(out io.Writer, sample string, spans tracetest.SpanStubs) {
	var mine []tracetest.SpanStub
	for _, s := range spans {
		if s.SpanContext.TraceID().String() == demoTraceID {
			mine = append(mine, s)
		}
	}
	slices.SortFunc(mine, func(a, b tracetest.SpanStub) int { return a.StartTime.Compare(b.StartTime) })
	children := map[trace.SpanID][]tracetest.SpanStub{}
	for _, s := range mine {
		children[s.Parent.SpanID()] = append(children[s.Parent.SpanID()], s)
	}
	fmt.Fprintf(out, "\nTRACE %s: %s, sent with the CRM producer's traceparent %s (%d spans, in memory)\n",
		demoTraceID, sample, demoTraceparent, len(mine))
	fmt.Fprintf(out, "CRM producer span %s (not leadworker's)\n", demoProducer)
	var walk func(parent trace.SpanID, indent string)
	walk = func(parent trace.SpanID, indent string) {
		kids := children[parent]
		for i, s := range kids {
			branch, next := "├─ ", "│  "
			if i == len(kids)-1 {
				branch, next = "└─ ", "   "
			}
			fmt.Fprintf(out, "%s%s%s\n", indent, branch, spanLine(s))
			detail := indent + next + "   "
			if attrs := attrLine(s.Attributes); attrs != "" {
				fmt.Fprintf(out, "%s%s\n", detail, attrs)
			}
			for _, l := range s.Links {
				fmt.Fprintf(out, "%slink → span %s\n", detail, l.SpanContext.SpanID())
			}
			for _, e := range s.Events {
				fmt.Fprintf(out, "%sevent %q %s\n", detail, e.Name, attrLine(e.Attributes))
			}
			walk(s.SpanContext.SpanID(), indent+next)
		}
	}
	var producer trace.SpanID
	copy(producer[:], mustHex(demoProducer))
	walk(producer, "")
}

func spanLine(s tracetest.SpanStub) string {
	line := fmt.Sprintf("%s [%s] %s span %s", s.Name, strings.TrimPrefix(s.SpanKind.String(), "SpanKind"),
		s.EndTime.Sub(s.StartTime).Round(10*time.Microsecond), s.SpanContext.SpanID())
	if s.Status.Code == codes.Error {
		line += " ERROR " + s.Status.Description
	}
	return line
}

func attrLine(attrs []attribute.KeyValue) string {
	var parts []string
	for _, k := range shownAttrs {
		for _, a := range attrs {
			if a.Key == k {
				parts = append(parts, string(k)+"="+a.Value.String())
			}
		}
	}
	return strings.Join(parts, " ")
}

func mustHex(s string) []byte {
	b := make([]byte, len(s)/2)
	for i := range b {
		fmt.Sscanf(s[2*i:2*i+2], "%02x", &b[i])
	}
	return b
}
