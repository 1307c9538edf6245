package deadletter

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/leadworker/leadworker/consumer"
)

// Classes: the value of error.class.
const (
	ClassInvalid   = "invalid"   // not JSON, not UTF-8, fails the schema, unknown type, too large
	ClassRejected  = "rejected"  // myKaarma refused it (4XX or an errors list)
	ClassExhausted = "exhausted" // transient failures outlasted the retry budget
	// ClassForeign is a route record another deployment routed: the route
	// topic is shared, or someone wrote to it.
	ClassForeign = "foreign"
	// ClassLeadOutcomeUnknown is a lead event whose lead save was sent and
	// got no answer, under LEAD_UNKNOWN_OUTCOME=dead-letter: myKaarma may
	// hold the lead and it was not sent again. A person checks myKaarma for
	// the leadId and replays the dead letter only when the lead is missing.
	ClassLeadOutcomeUnknown = "lead-outcome-unknown"
	// ClassUnwritable marks a reference letter: the broker refused the full
	// dead letter for DLQ_WRITE_GIVE_UP, so it names the original record
	// instead of carrying its value.
	ClassUnwritable = "unwritable"
	// ClassParkExpired is an event parked (its department paused) for longer
	// than PARK_MAX_AGE: dead-lettered for a person, since its department
	// never resumed.
	ClassParkExpired = "park-expired"
)

// maxHeaderBody is how much of a myKaarma response body a dead letter keeps.
const maxHeaderBody = 1024

// maxHeaderMessage bounds error.message so headers stay small.
const maxHeaderMessage = 2048

// Letter says why an event is dead-lettered.
type Letter struct {
	Class      string // one of the classes above
	Message    string // precise and human-readable
	EventID    string // when the event parsed far enough
	Attempts   int
	Step       string // myKaarma step that refused it: search, read, create, update, lead
	HTTPStatus int
	HTTPBody   []byte // truncated to 1 KiB when written
}

// DeadLetter is the consumer's dead letter for l, failed at now: its
// headers, the input's headers leadworker replaces, and the reference letter
// to write instead should the broker keep refusing it.
func (l *Letter) DeadLetter(now time.Time) *consumer.DeadLetter {
	return &consumer.DeadLetter{
		Headers:   l.headers(now),
		Own:       Own,
		Reference: func(size int, cause error) []consumer.Header { return l.reference(size, cause, now) },
	}
}

// headers are l's error headers.
func (l *Letter) headers(now time.Time) []consumer.Header {
	var h []consumer.Header
	add := func(k, v string) { h = append(h, consumer.Header{Key: k, Value: []byte(v)}) }
	add(HeaderErrorClass, l.Class)
	add(HeaderErrorMessage, truncate(l.Message, maxHeaderMessage))
	add(HeaderAttempts, strconv.Itoa(l.Attempts))
	add(HeaderFailedAt, now.UTC().Format(time.RFC3339Nano))
	if l.EventID != "" {
		add(HeaderEventID, l.EventID)
	}
	if l.Step != "" {
		add(HeaderErrorStep, l.Step)
	}
	if l.HTTPStatus != 0 {
		add(HeaderHTTPStatus, strconv.Itoa(l.HTTPStatus))
		add(HeaderHTTPBody, truncate(string(l.HTTPBody), maxHeaderBody))
	}
	return h
}

// reference are the headers of the reference letter written instead of l's
// dead letter, whose value of size bytes the broker refused with cause:
// error.class=unwritable, the original class in error.cause.class and its
// size in source.size (source.sha256 names its content).
func (l *Letter) reference(size int, cause error, now time.Time) []consumer.Header {
	ref := *l
	ref.Class = ClassUnwritable
	ref.Message = fmt.Sprintf("the dead letter was refused (%v); value omitted, see %s and %s. Original reason: %s",
		cause, HeaderSourceSize, HeaderSourceSHA256, l.Message)
	return append(ref.headers(now),
		consumer.Header{Key: HeaderCauseClass, Value: []byte(l.Class)},
		consumer.Header{Key: HeaderSourceSize, Value: []byte(strconv.Itoa(size))},
	)
}

// TooLarge is the message of an input larger than the worker takes.
func TooLarge(n, limit int) string {
	return "record value is " + strconv.Itoa(n) + " bytes, larger than the limit of " + strconv.Itoa(limit) + " bytes"
}

// truncate cuts s to at most n bytes, dropping a UTF-8 sequence split by the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
