package consumer

import (
	"github.com/leadworker/leadworker/route"
	"github.com/segmentio/kafka-go"
)

// Route sends the input record on to Options.RouteTopic instead of writing
// a result or dead letter: its value unchanged, keyed by Key, with the
// input's headers and its original position and key in route headers. A
// consumer of the route topic with Options.Routed set hands the Handler the
// record as it was on the input topic.
type Route struct {
	Key []byte
	// Bulk sends it to Options.BulkTopic instead, when that is set (bulk.go).
	Bulk bool
}

// routeMessage is the route-topic record for m, routed by group: its value
// unchanged, keyed by r.Key, with the input's headers and route headers.
func routeMessage(m *Message, r *Route, group string) kafka.Message {
	h := make([]kafka.Header, 0, len(m.Headers)+6)
	for _, in := range m.Headers {
		if !route.Own(in.Key) {
			h = append(h, kafka.Header{Key: in.Key, Value: in.Value})
		}
	}
	h = append(h, route.Headers(route.Carried{
		Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: m.Key, Group: group, Epoch: m.Epoch,
	})...)
	key := r.Key
	if key == nil {
		key = []byte{}
	}
	return kafka.Message{Key: key, Value: m.Value, Headers: h}
}

// unroute turns a route-topic record back into the input record it carries:
// position, key and headers as they were on the input topic. It reports
// false, and leaves m alone, when m carries no complete route headers.
func unroute(m *Message) bool {
	keys := make([]string, len(m.Headers))
	values := make([][]byte, len(m.Headers))
	for i, h := range m.Headers {
		keys[i], values[i] = h.Key, h.Value
	}
	c, ok := route.Parse(keys, values)
	if !ok {
		return false
	}
	var hs []Header
	for _, h := range m.Headers {
		if !route.Own(h.Key) {
			hs = append(hs, h)
		}
	}
	m.Topic, m.Partition, m.Offset, m.Headers, m.Routed = c.Topic, c.Partition, c.Offset, hs, true
	m.RoutedBy, m.Epoch, m.Key = c.Group, c.Epoch, c.Key
	return true
}
