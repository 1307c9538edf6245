package consumer

import (
	"errors"

	"github.com/segmentio/kafka-go"
)

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
