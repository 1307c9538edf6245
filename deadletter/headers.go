package deadletter

import "github.com/leadworker/leadworker/recovery"

// Header names of a dead letter. The source.* headers, with the value's hash
// and the partition's epoch, are those of every output (package recovery).
const (
	HeaderErrorClass   = "error.class"
	HeaderErrorMessage = "error.message"
	HeaderErrorStep    = "error.step"
	HeaderHTTPStatus   = "http.status"
	HeaderHTTPBody     = "http.body"
	HeaderAttempts     = "attempts"
	HeaderFailedAt     = "failed.at"
	HeaderEventID      = "event.id"
	HeaderCauseClass   = "error.cause.class" // a reference letter's original class
	HeaderSourceSize   = "source.size"       // a reference letter's original value size
	HeaderSourceTopic  = recovery.HeaderSourceTopic
	HeaderSourcePart   = recovery.HeaderSourcePart
	HeaderSourceOffset = recovery.HeaderSourceOffset
	HeaderSourceSHA256 = recovery.HeaderSourceSHA256
	HeaderSourceEpoch  = recovery.HeaderSourceEpoch
	// HeaderReplayCount counts how often a dead letter was replayed; it is
	// kept when the event is dead-lettered again, so replays cannot loop.
	HeaderReplayCount = "replay.count"
)

// own are the headers leadworker sets on a dead letter.
var own = map[string]bool{
	HeaderErrorClass: true, HeaderErrorMessage: true, HeaderErrorStep: true,
	HeaderHTTPStatus: true, HeaderHTTPBody: true, HeaderAttempts: true,
	HeaderFailedAt: true, HeaderEventID: true, HeaderCauseClass: true, HeaderSourceSize: true,
	HeaderSourceTopic: true, HeaderSourcePart: true, HeaderSourceOffset: true,
	HeaderSourceSHA256: true, HeaderSourceEpoch: true,
}

// Own reports whether leadworker sets header key on a dead letter: an input
// that already carries it (a replayed dead letter) has it replaced, not
// piled up. replay.count is not one: it is carried over.
func Own(key string) bool { return own[key] }
