package consumer

import (
	"github.com/leadworker/leadworker/recovery"
	"github.com/segmentio/kafka-go"
)

// Header names the consumer itself writes on a dead letter: the origin's
// (package recovery) and a reference letter's value hash.
const (
	HeaderSourceTopic  = recovery.HeaderSourceTopic
	HeaderSourcePart   = recovery.HeaderSourcePart
	HeaderSourceOffset = recovery.HeaderSourceOffset
)

// deadLetterMessage builds the dead-letter record for m: the original key and
// value untouched, the input's headers but those d owns or sets, d's
// headers, and the source headers of m's origin and stamp.
func deadLetterMessage(m *Message, st recovery.Stamp, d *DeadLetter) kafka.Message {
	return kafka.Message{Key: m.Key, Value: m.Value, Headers: letterHeaders(m, st, d, d.Headers)}
}

// referenceMessage builds the reference letter written in place of d's dead
// letter, which the broker refused with cause: the headers d.Reference gives
// and an empty value, not null, so that on a compacted topic it is no delete
// marker. The key is kept so the letter lands beside where the full one
// would have.
func referenceMessage(m *Message, st recovery.Stamp, d *DeadLetter, cause error) kafka.Message {
	return kafka.Message{Key: m.Key, Value: []byte{}, Headers: letterHeaders(m, st, d, d.Reference(len(m.Value), cause))}
}

func letterHeaders(m *Message, st recovery.Stamp, d *DeadLetter, set []Header) []kafka.Header {
	h := make([]kafka.Header, 0, len(m.Headers)+len(set)+5)
	for _, in := range m.Headers {
		if (d.Own != nil && d.Own(in.Key)) || hasHeader(set, in.Key) || isSourceHeader(in.Key) {
			continue
		}
		h = append(h, kafka.Header{Key: in.Key, Value: in.Value})
	}
	for _, x := range set {
		h = append(h, kafka.Header{Key: x.Key, Value: x.Value})
	}
	return appendSourceHeaders(h, m, st) // the position and stamp answered-work matching uses
}

// isSourceHeader reports whether key is one the consumer sets from the
// record's origin and stamp.
func isSourceHeader(key string) bool {
	switch key {
	case recovery.HeaderSourceTopic, recovery.HeaderSourcePart, recovery.HeaderSourceOffset, recovery.HeaderSourceSHA256, recovery.HeaderSourceEpoch, recovery.HeaderSourceParked:
		return true
	}
	return false
}
