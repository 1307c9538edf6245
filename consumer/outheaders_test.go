package consumer

import (
	"github.com/leadworker/leadworker/recovery"
	"testing"

	"github.com/segmentio/kafka-go"
)

func TestWithHeadersReplacesByKey(t *testing.T) {
	t.Parallel()
	in := []kafka.Header{{Key: "traceparent", Value: []byte("old")}, {Key: "x", Value: []byte("1")}, {Key: "traceparent", Value: []byte("older")}}
	got := withHeaders(in, []Header{{Key: "traceparent", Value: []byte("new")}, {Key: "tracestate", Value: []byte("a=b")}})
	want := []kafka.Header{{Key: "x", Value: []byte("1")}, {Key: "traceparent", Value: []byte("new")}, {Key: "tracestate", Value: []byte("a=b")}}
	if len(got) != len(want) {
		t.Fatalf("withHeaders = %q; want %q", got, want)
	}
	for i := range want {
		if got[i].Key != want[i].Key || string(got[i].Value) != string(want[i].Value) {
			t.Errorf("withHeaders[%d] = %s=%s; want %s=%s", i, got[i].Key, got[i].Value, want[i].Key, want[i].Value)
		}
	}
	if string(in[0].Value) != "old" {
		t.Errorf("withHeaders modified its input: %q", in)
	}
}

func TestDeadLetterKeepsOneTraceparent(t *testing.T) {
	t.Parallel()
	m := &Message{Topic: "in", Headers: []Header{{Key: "traceparent", Value: []byte("input")}, {Key: "baggage", Value: []byte("k=v")}}}
	dl := deadLetterMessage(m, recovery.Stamp{}, letter("invalid", "bad"))
	dl.Headers = withHeaders(dl.Headers, []Header{{Key: "traceparent", Value: []byte("ours")}})
	var tps []string
	for _, h := range dl.Headers {
		if h.Key == "traceparent" {
			tps = append(tps, string(h.Value))
		}
	}
	if len(tps) != 1 || tps[0] != "ours" {
		t.Errorf("dead letter traceparents = %q; want [ours]", tps)
	}
}
