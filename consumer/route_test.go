package consumer

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/leadworker/leadworker/route"
)

func TestRouteRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		key  []byte
	}{
		{"null key", nil},
		{"empty key", []byte{}},
		{"key", []byte("DMS-1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Message{Topic: "crm.events", Partition: 4, Offset: 77, Key: tt.key, Value: []byte(`{"a":1}`),
				Headers: []Header{{Key: "traceparent", Value: []byte("00-x-y-01")}, {Key: route.HeaderOffset, Value: []byte("stale")}}}
			km := routeMessage(&in, &Route{Key: []byte("route-key")}, "g")
			if string(km.Key) != "route-key" || !bytes.Equal(km.Value, in.Value) {
				t.Fatalf("route record key %q value %q", km.Key, km.Value)
			}
			got := Message{Topic: "leadworker.route", Partition: 1, Offset: 5, Key: km.Key, Value: km.Value, Headers: toHeaders(km.Headers)}
			if !unroute(&got) {
				t.Fatal("unroute() = false")
			}
			if got.Topic != in.Topic || got.Partition != in.Partition || got.Offset != in.Offset {
				t.Errorf("position = %s/%d/%d; want %s/%d/%d", got.Topic, got.Partition, got.Offset, in.Topic, in.Partition, in.Offset)
			}
			if !got.Routed {
				t.Error("unrouted message does not say it was routed")
			}
			if (got.Key == nil) != (tt.key == nil) || !bytes.Equal(got.Key, tt.key) {
				t.Errorf("key = %q (nil %v); want %q (nil %v)", got.Key, got.Key == nil, tt.key, tt.key == nil)
			}
			if len(got.Headers) != 1 || got.Headers[0].Key != "traceparent" {
				t.Errorf("headers = %v; want the input's own headers only", got.Headers)
			}
		})
	}
	plain := Message{Topic: "t", Key: []byte("k")}
	if unroute(&plain) || plain.Topic != "t" {
		t.Error("unroute() of a record without route headers changed it")
	}
}

// TestTwoStagesNameTheInput: a route stage sends every input record on under
// another key; the process stage, reading the route topic with Routed set,
// sees each input record as it was, and its results and dead letters name
// the input's position and keep its key.
func TestTwoStagesNameTheInput(t *testing.T) {
	const routeTopic = "leadworker.route"
	_, addr := newCluster(t, 3, inTopic, outTopic, dlqTopic, routeTopic)
	const n = 30
	var msgs []kafka.Message
	for i := range n {
		var key []byte
		if i%3 != 0 {
			key = []byte("k" + strconv.Itoa(i))
		}
		msgs = append(msgs, kafka.Message{Key: key, Value: []byte("v" + strconv.Itoa(i))})
	}
	produce(t, addr, inTopic, msgs...)

	router := baseOptions(addr, "g", HandlerFunc(func(_ context.Context, m *Message) (Outcome, error) {
		return Outcome{Route: &Route{Key: []byte("same")}}, nil
	}))
	router.RouteTopic = routeTopic
	start(t, router)

	type seen struct {
		topic     string
		partition int
		offset    int64
		key       []byte
	}
	positions := make(chan seen, n)
	proc := baseOptions(addr, "g.route", HandlerFunc(func(_ context.Context, m *Message) (Outcome, error) {
		positions <- seen{m.Topic, m.Partition, m.Offset, m.Key}
		if bytes.HasSuffix(m.Value, []byte("7")) {
			return Outcome{DeadLetter: letter("rejected", "no")}, nil
		}
		return Outcome{Result: m.Value}, nil
	}))
	proc.Topics, proc.Routed = []string{routeTopic}, true
	start(t, proc)

	out := readAll(t, addr, outTopic, n-3, 30*time.Second)
	dead := readAll(t, addr, dlqTopic, 3, 30*time.Second)
	if len(out)+len(dead) != n {
		t.Fatalf("outputs = %d results + %d dead letters; want %d", len(out), len(dead), n)
	}
	wantKey := map[string][]byte{}
	for _, m := range msgs {
		wantKey[string(m.Value)] = m.Key
	}
	for _, m := range append(out, dead...) {
		if k := wantKey[string(m.Value)]; !bytes.Equal(m.Key, k) {
			t.Errorf("output of %s has key %q; want the input's %q", m.Value, m.Key, k)
		}
	}
	for _, d := range dead {
		hs := map[string]string{}
		for _, h := range d.Headers {
			hs[h.Key] = string(h.Value)
		}
		if hs[HeaderSourceTopic] != inTopic || hs[route.HeaderTopic] != "" {
			t.Errorf("dead letter headers = %v; want source.topic %s and no route headers", hs, inTopic)
		}
	}
	for range n {
		s := <-positions
		if s.topic != inTopic {
			t.Fatalf("handler saw topic %s; want the input topic", s.topic)
		}
	}
}

func toHeaders(hs []kafka.Header) []Header {
	out := make([]Header, len(hs))
	for i, h := range hs {
		out[i] = Header{Key: h.Key, Value: h.Value}
	}
	return out
}
