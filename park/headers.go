package park

import (
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// Park headers. A parked record is the input record set aside on the parked
// topic as a route record is (its position and key in the route headers),
// with these besides.
const (
	HeaderUntil     = "leadworker.park.until"      // when it may be handed back: RFC 3339, nanoseconds
	HeaderAt        = "leadworker.park.at"         // when it was first parked: RFC 3339, nanoseconds; kept when parked again
	HeaderReason    = "leadworker.park.reason"     // why: the department's pause reason
	HeaderTenant    = "leadworker.park.department" // whose: the department paused (the consumer's tenant)
	HeaderPartition = "leadworker.park.partition"  // the partition it was read from, and is written to
	HeaderTimes     = "leadworker.park.times"      // how many times it was parked, 1 the first
)

// Own reports whether key is a park header.
func Own(key string) bool {
	switch key {
	case HeaderUntil, HeaderAt, HeaderReason, HeaderTenant, HeaderPartition, HeaderTimes:
		return true
	}
	return false
}

// Get returns the value of the last header named key, and whether there is one.
func Get(hs []kafka.Header, key string) ([]byte, bool) {
	for i := len(hs) - 1; i >= 0; i-- {
		if hs[i].Key == key {
			return hs[i].Value, true
		}
	}
	return nil, false
}

// Time reads a time header; the zero time when it is absent or unreadable.
func Time(hs []kafka.Header, key string) time.Time {
	v, ok := Get(hs, key)
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, string(v))
	if err != nil {
		return time.Time{}
	}
	return t
}

// Int reads an integer header; 0 when it is absent or unreadable.
func Int(hs []kafka.Header, key string) int {
	v, ok := Get(hs, key)
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return 0
	}
	return n
}

// FormatTime is how the time headers are written.
func FormatTime(t time.Time) []byte { return []byte(t.UTC().Format(time.RFC3339Nano)) }
