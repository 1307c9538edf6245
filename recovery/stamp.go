package recovery

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/segmentio/kafka-go"
)

// Headers every output carries: the position, value hash and epoch of the
// input record it answers.
const (
	HeaderSourceTopic  = "source.topic"
	HeaderSourcePart   = "source.partition"
	HeaderSourceOffset = "source.offset"
	HeaderSourceSHA256 = "source.sha256" // hex SHA-256 of the input's value
	HeaderSourceEpoch  = "source.epoch"  // the input partition's epoch; absent when 0
	// HeaderSourceParked is on an output that answers a parked record (one
	// read back from the parked topic): "topic/partition/offset" of that
	// record, which answered-work matching then uses instead of source.*.
	// The stamp is the parked record's: its partition's epoch and its value.
	HeaderSourceParked = "source.parked"
)

// Origin is an input record's position.
type Origin struct {
	Topic     string
	Partition int
	Offset    int64
}

// Stamp is what an output says of the input record it answers beyond its
// position: the epoch of the input partition and the SHA-256 of the
// record's value. Answered work is matched by position and stamp.
type Stamp struct {
	epoch  int64
	sum    [sha256.Size]byte
	hasSum bool // false for an output of a version that wrote no hash: it matches by position and epoch alone
}

// NewStamp is the stamp of a record of value read in epoch.
func NewStamp(epoch int64, value []byte) Stamp {
	return Stamp{epoch: epoch, sum: sha256.Sum256(value), hasSum: true}
}

// matches reports whether an output stamped s answers a record stamped r.
func (s Stamp) matches(r Stamp) bool {
	return s.epoch == r.epoch && (!s.hasSum || s.sum == r.sum)
}

// SourceHeaders appends the headers that name o and st to dst. For a record
// read back from the parked topic, parked is its own position (what the
// output answers); nil otherwise.
func SourceHeaders(dst []kafka.Header, o Origin, parked *Origin, st Stamp) []kafka.Header {
	if parked != nil {
		dst = append(dst, kafka.Header{Key: HeaderSourceParked, Value: []byte(parked.String())})
	}
	dst = append(dst,
		kafka.Header{Key: HeaderSourceTopic, Value: []byte(o.Topic)},
		kafka.Header{Key: HeaderSourcePart, Value: []byte(strconv.Itoa(o.Partition))},
		kafka.Header{Key: HeaderSourceOffset, Value: []byte(strconv.FormatInt(o.Offset, 10))},
		kafka.Header{Key: HeaderSourceSHA256, Value: []byte(hex.EncodeToString(st.sum[:]))},
	)
	if st.epoch != 0 {
		dst = append(dst, kafka.Header{Key: HeaderSourceEpoch, Value: []byte(strconv.FormatInt(st.epoch, 10))})
	}
	return dst
}

// stampOf reads an output's stamp from its source.epoch and source.sha256
// headers.
func stampOf(hs []kafka.Header) (Stamp, bool) {
	var st Stamp
	for _, h := range hs {
		switch h.Key {
		case HeaderSourceEpoch:
			e, err := strconv.ParseInt(string(h.Value), 10, 64)
			if err != nil {
				return Stamp{}, false
			}
			st.epoch = e
		case HeaderSourceSHA256:
			if n, err := hex.Decode(st.sum[:], h.Value); err != nil || n != sha256.Size {
				return Stamp{}, false
			}
			st.hasSum = true
		}
	}
	return st, true
}

// String is "topic/partition/offset".
func (o Origin) String() string {
	return o.Topic + "/" + strconv.Itoa(o.Partition) + "/" + strconv.FormatInt(o.Offset, 10)
}

// parseOrigin reads "topic/partition/offset" (the topic may hold slashes
// only if Kafka allowed them, which it does not).
func parseOrigin(s string) (Origin, bool) {
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return Origin{}, false
	}
	j := strings.LastIndexByte(s[:i], '/')
	if j <= 0 {
		return Origin{}, false
	}
	p, err1 := strconv.Atoi(s[j+1 : i])
	off, err2 := strconv.ParseInt(s[i+1:], 10, 64)
	if err1 != nil || err2 != nil {
		return Origin{}, false
	}
	return Origin{Topic: s[:j], Partition: p, Offset: off}, true
}
