package consumer

import (
	"github.com/leadworker/leadworker/recovery"
	"github.com/segmentio/kafka-go"
)

// stamp returns r's stamp (recovery.Stamp: its epoch and the SHA-256 of its
// value), hashing the value the first time.
func (r *record) stamp() recovery.Stamp {
	if !r.stamped {
		r.st = recovery.NewStamp(r.msg.Epoch, r.msg.Value)
		r.stamped = true
	}
	return r.st
}

// appendSourceHeaders appends the source.* headers of m's origin and st to
// dst: a dead letter and a result both carry them, so that answered work is
// found after a crash whatever the Handler's results look like.
func appendSourceHeaders(dst []kafka.Header, m *Message, st recovery.Stamp) []kafka.Header {
	return recovery.SourceHeaders(dst, originOf(m), st)
}
