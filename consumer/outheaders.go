package consumer

import "github.com/segmentio/kafka-go"

// withHeaders returns hs with set applied: every header of set replaces all
// headers of its key in hs (a dead letter or route record copies the input's
// headers, and must not end up with two traceparents), in set's order, after
// the headers it keeps. hs is not modified.
func withHeaders(hs []kafka.Header, set []Header) []kafka.Header {
	if len(set) == 0 {
		return hs
	}
	out := make([]kafka.Header, 0, len(hs)+len(set))
	for _, h := range hs {
		if !hasHeader(set, h.Key) {
			out = append(out, h)
		}
	}
	for _, h := range set {
		out = append(out, kafka.Header{Key: h.Key, Value: h.Value})
	}
	return out
}

func hasHeader(hs []Header, key string) bool {
	for _, h := range hs {
		if h.Key == key {
			return true
		}
	}
	return false
}
