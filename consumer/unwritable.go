package consumer

import (
	"errors"
	"fmt"
	"github.com/leadworker/leadworker/recovery"
	"strconv"

	"github.com/segmentio/kafka-go"
)

// Headers of a reference dead letter (error.class=unwritable).
const (
	HeaderSourceSize = "source.size" // bytes of the original value
	HeaderCauseClass = "error.cause.class"
)

// ClassUnwritable marks a reference dead letter: the broker refused the full
// dead letter for Options.DLQWriteGiveUp, so it names the original record
// (source.topic, source.partition, source.offset, source.size,
// source.sha256) instead of carrying its value.
const ClassUnwritable = "unwritable"

// refused reports whether err means the broker (or kafka-go's client-side size
// check) will not take this record as it is, however often it is retried: it
// is too large, or it is invalid for the topic. A missing topic, a broker that
// is down or an authorisation failure are not refusals of the record: writing
// a smaller one would fail the same way.
func refused(err error) bool {
	var we kafka.WriteErrors
	if errors.As(err, &we) {
		for _, e := range we {
			if e != nil && refused(e) {
				return true
			}
		}
		return false
	}
	var tooLarge kafka.MessageTooLargeError
	return errors.As(err, &tooLarge) ||
		errors.Is(err, kafka.MessageSizeTooLarge) ||
		errors.Is(err, kafka.RecordListTooLarge) ||
		errors.Is(err, kafka.InvalidRecord)
}

// referenceLetter is the dead letter written in place of full when the
// broker will not accept full: its headers (source.sha256 among them) with
// error.class=unwritable, the original's size, and an empty value. The value is empty and
// not null, so that on a compacted topic it is not a delete marker; the key
// is kept so the letter lands beside where the full one would have.
func referenceLetter(full kafka.Message, m *Message, d *DeadLetter, cause error) kafka.Message {
	h := make([]kafka.Header, 0, len(full.Headers)+2)
	for _, x := range full.Headers {
		switch x.Key {
		case HeaderErrorClass:
			h = append(h, kafka.Header{Key: HeaderErrorClass, Value: []byte(ClassUnwritable)})
		case HeaderErrorMessage:
			msg := fmt.Sprintf("the dead letter was refused (%v); value omitted, see %s and %s. Original reason: %s",
				cause, HeaderSourceSize, recovery.HeaderSourceSHA256, d.Message)
			h = append(h, kafka.Header{Key: HeaderErrorMessage, Value: []byte(truncate(msg, maxHeaderMessage))})
		default:
			h = append(h, x)
		}
	}
	h = append(h,
		kafka.Header{Key: HeaderCauseClass, Value: []byte(d.Class)},
		kafka.Header{Key: HeaderSourceSize, Value: []byte(strconv.Itoa(len(m.Value)))},
	)
	return kafka.Message{Key: full.Key, Value: []byte{}, Headers: h}
}
