package consumer

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/segmentio/kafka-go"
)

// HeaderSourceEpoch is the epoch of the input partition an output answers
// (see Message.Epoch); absent when 0.
const HeaderSourceEpoch = "source.epoch"

// stamp is what an output says of the input record it answers beyond its
// position: the epoch of the input partition and the SHA-256 of the
// record's value. Answered work is matched by position and stamp, so that
// a record routed by someone else under a real record's position (a forged
// or foreign route record) does not make the real one pass for answered,
// and a record read again after an offset reset is handled again.
type stamp struct {
	epoch  int64
	sum    [sha256.Size]byte
	hasSum bool // false for an output of a version that wrote no hash: it matches by position and epoch alone
}

// matches reports whether an output stamped s answers a record stamped r.
func (s stamp) matches(r stamp) bool {
	return s.epoch == r.epoch && (!s.hasSum || s.sum == r.sum)
}

// stamp returns r's stamp, hashing its value the first time.
func (r *record) stamp() stamp {
	if !r.stamped {
		r.st = stamp{epoch: r.msg.Epoch, sum: sha256.Sum256(r.msg.Value), hasSum: true}
		r.stamped = true
	}
	return r.st
}

// appendSourceHeaders appends the source.* headers of m's origin and st to
// dst: a dead letter and a result both carry them, so that answered work is
// found whatever the Handler's results look like.
func appendSourceHeaders(dst []kafka.Header, m *Message, st stamp) []kafka.Header {
	topic, part, off := m.origin()
	dst = append(dst,
		kafka.Header{Key: HeaderSourceTopic, Value: []byte(topic)},
		kafka.Header{Key: HeaderSourcePart, Value: []byte(strconv.Itoa(part))},
		kafka.Header{Key: HeaderSourceOffset, Value: []byte(strconv.FormatInt(off, 10))},
		kafka.Header{Key: HeaderSourceSHA256, Value: []byte(hex.EncodeToString(st.sum[:]))},
	)
	if st.epoch != 0 {
		dst = append(dst, kafka.Header{Key: HeaderSourceEpoch, Value: []byte(strconv.FormatInt(st.epoch, 10))})
	}
	return dst
}

// stampOf reads an output's stamp from its source.epoch and source.sha256
// headers.
func stampOf(hs []kafka.Header) (stamp, bool) {
	var st stamp
	for _, h := range hs {
		switch h.Key {
		case HeaderSourceEpoch:
			e, err := strconv.ParseInt(string(h.Value), 10, 64)
			if err != nil {
				return stamp{}, false
			}
			st.epoch = e
		case HeaderSourceSHA256:
			if n, err := hex.Decode(st.sum[:], h.Value); err != nil || n != sha256.Size {
				return stamp{}, false
			}
			st.hasSum = true
		}
	}
	return st, true
}
