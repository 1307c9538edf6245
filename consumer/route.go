package consumer

import (
	"strconv"

	"github.com/segmentio/kafka-go"
)

// Route sends the input record on to Options.RouteTopic instead of writing
// a result or dead letter: its value unchanged, keyed by Key, with the
// input's headers and its original position and key in route headers. A
// consumer of the route topic with Options.Routed set hands the Handler the
// record as it was on the input topic.
type Route struct {
	Key []byte
}

// Route headers: the input record's position and key, the route stage's
// group and the input partition's epoch. A route record without
// HeaderRouteKey had a null key; one with an empty HeaderRouteKey had an
// empty key.
const (
	HeaderRouteTopic     = "leadworker.route.topic"
	HeaderRoutePartition = "leadworker.route.partition"
	HeaderRouteOffset    = "leadworker.route.offset"
	HeaderRouteKey       = "leadworker.route.key"
	HeaderRouteGroup     = "leadworker.route.group"
	HeaderRouteEpoch     = "leadworker.route.epoch"
)

var routeHeaders = map[string]bool{
	HeaderRouteTopic: true, HeaderRoutePartition: true, HeaderRouteOffset: true, HeaderRouteKey: true,
	HeaderRouteGroup: true, HeaderRouteEpoch: true,
}

// routeMessage is the route-topic record for m, routed by group.
func routeMessage(m *Message, r *Route, group string) kafka.Message {
	h := make([]kafka.Header, 0, len(m.Headers)+6)
	for _, in := range m.Headers {
		if !routeHeaders[in.Key] {
			h = append(h, kafka.Header{Key: in.Key, Value: in.Value})
		}
	}
	h = append(h,
		kafka.Header{Key: HeaderRouteTopic, Value: []byte(m.Topic)},
		kafka.Header{Key: HeaderRoutePartition, Value: []byte(strconv.Itoa(m.Partition))},
		kafka.Header{Key: HeaderRouteOffset, Value: []byte(strconv.FormatInt(m.Offset, 10))},
		kafka.Header{Key: HeaderRouteGroup, Value: []byte(group)},
	)
	if m.Epoch != 0 {
		h = append(h, kafka.Header{Key: HeaderRouteEpoch, Value: []byte(strconv.FormatInt(m.Epoch, 10))})
	}
	if m.Key != nil {
		h = append(h, kafka.Header{Key: HeaderRouteKey, Value: m.Key})
	}
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
	var topic, group string
	var partition, offset, epoch string
	var key []byte
	hasKey := false
	for _, h := range m.Headers {
		switch h.Key {
		case HeaderRouteTopic:
			topic = string(h.Value)
		case HeaderRoutePartition:
			partition = string(h.Value)
		case HeaderRouteOffset:
			offset = string(h.Value)
		case HeaderRouteKey:
			key, hasKey = h.Value, true
		case HeaderRouteGroup:
			group = string(h.Value)
		case HeaderRouteEpoch:
			epoch = string(h.Value)
		}
	}
	p, err1 := strconv.Atoi(partition)
	o, err2 := strconv.ParseInt(offset, 10, 64)
	var e int64
	var err3 error
	if epoch != "" {
		e, err3 = strconv.ParseInt(epoch, 10, 64)
	}
	if topic == "" || err1 != nil || err2 != nil || err3 != nil {
		return false
	}
	var hs []Header
	for _, h := range m.Headers {
		if !routeHeaders[h.Key] {
			hs = append(hs, h)
		}
	}
	m.Topic, m.Partition, m.Offset, m.Headers, m.Routed = topic, p, o, hs, true
	m.RoutedBy, m.Epoch = group, e
	m.Key = nil
	if hasKey {
		m.Key = key
		if m.Key == nil {
			m.Key = []byte{}
		}
	}
	return true
}
