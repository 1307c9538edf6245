package consumer

import (
	"github.com/leadworker/leadworker/recovery"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// maxHeaderBody is how much of a myKaarma response body a dead-letter header keeps.
const maxHeaderBody = 1024

// maxHeaderMessage bounds error.message so headers stay small.
const maxHeaderMessage = 2048

// Dead-letter header names.
const (
	HeaderErrorClass   = "error.class"
	HeaderErrorMessage = "error.message"
	HeaderErrorStep    = "error.step"
	HeaderHTTPStatus   = "http.status"
	HeaderHTTPBody     = "http.body"
	HeaderSourceTopic  = recovery.HeaderSourceTopic
	HeaderSourcePart   = recovery.HeaderSourcePart
	HeaderSourceOffset = recovery.HeaderSourceOffset
	HeaderAttempts     = "attempts"
	HeaderFailedAt     = "failed.at"
	HeaderEventID      = "event.id"
)

// ownHeaders are the headers a dead-letter record gets from leadworker; an
// input that already carries them (a replayed dead letter) has them replaced.
var ownHeaders = map[string]bool{
	HeaderErrorClass: true, HeaderErrorMessage: true, HeaderErrorStep: true,
	HeaderHTTPStatus: true, HeaderHTTPBody: true, recovery.HeaderSourceTopic: true,
	recovery.HeaderSourcePart: true, recovery.HeaderSourceOffset: true, HeaderAttempts: true,
	HeaderFailedAt: true, HeaderEventID: true, HeaderSourceSize: true,
	recovery.HeaderSourceSHA256: true, HeaderCauseClass: true, recovery.HeaderSourceEpoch: true,
}

// deadLetterMessage builds the dead-letter record for m: the original key and
// value untouched, the input's other headers kept, and the error headers.
func deadLetterMessage(m *Message, st recovery.Stamp, d *DeadLetter, now time.Time) kafka.Message {
	var h []kafka.Header
	for _, in := range m.Headers {
		if !ownHeaders[in.Key] {
			h = append(h, kafka.Header{Key: in.Key, Value: in.Value})
		}
	}
	add := func(k, v string) { h = append(h, kafka.Header{Key: k, Value: []byte(v)}) }
	add(HeaderErrorClass, d.Class)
	add(HeaderErrorMessage, truncate(d.Message, maxHeaderMessage))
	h = appendSourceHeaders(h, m, st) // the position and stamp answered-work matching uses
	add(HeaderAttempts, strconv.Itoa(d.Attempts))
	add(HeaderFailedAt, now.UTC().Format(time.RFC3339Nano))
	if d.EventID != "" {
		add(HeaderEventID, d.EventID)
	}
	if d.Step != "" {
		add(HeaderErrorStep, d.Step)
	}
	if d.HTTPStatus != 0 {
		add(HeaderHTTPStatus, strconv.Itoa(d.HTTPStatus))
		add(HeaderHTTPBody, truncate(string(d.HTTPBody), maxHeaderBody))
	}
	return kafka.Message{Key: m.Key, Value: m.Value, Headers: h}
}

// truncate cuts s to at most n bytes, dropping a UTF-8 sequence split by the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

func tooLarge(n, limit int) string {
	return "record value is " + strconv.Itoa(n) + " bytes, larger than the limit of " + strconv.Itoa(limit) + " bytes"
}
