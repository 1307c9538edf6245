package handlers

import (
	"errors"
	"fmt"

	"github.com/leadworker/leadworker/mykaarma"
)

// Steps of the flow, as StepError.Step names them.
const (
	StepEvent  = "event" // the event itself is unusable; nothing was sent
	StepSearch = "search"
	StepRead   = "read"
	StepCreate = "create"
	StepUpdate = "update"
	StepLead   = "lead"
)

// ErrExhausted is reached with errors.Is on a StepError whose transient failures outlasted
// the retry budget; the last failure is reachable too (errors.As *mykaarma.Error).
var ErrExhausted = errors.New("retry budget exhausted")

// ErrKeyPageFull is reached with errors.Is when the search for the event's customerKey alone
// returned a full page (maxResults customers) none of which has that key: a customer with the
// key may exist beyond the page, so the event is neither matched by a weaker rule nor
// created. A key longer than the 30-character search is never refused this way (see find). The StepError (step search) also wraps mykaarma.ErrRejected and not ErrExhausted,
// so the worker dead-letters it at once with class "rejected": retrying cannot help, an
// operator must look at the duplicates behind the key.
var ErrKeyPageFull = errors.New("the customerKey search returned a full page without the key")

// ErrLeadOutcomeUnknown is reached with errors.Is on the lead StepError that Handle returns
// under LeadUnknownDeadLetter when the lead save was sent and got no answer
// (mykaarma.ErrOutcomeUnknown): myKaarma may hold the lead, and it was not sent again. It is
// not ErrExhausted nor mykaarma.ErrRejected; the worker dead-letters it with a class of its
// own, for a person to check myKaarma before replaying the event.
var ErrLeadOutcomeUnknown = errors.New("lead outcome unknown")

// StepError is every error Handle returns, except when the caller's context ends. Classify
// it with errors.Is: mykaarma.ErrRejected (do not retry the event; ErrKeyPageFull is one),
// mykaarma.ErrAuth (credentials or scope; pause and probe), ErrExhausted (transient failures
// outlasted the budget), ErrLeadOutcomeUnknown.
type StepError struct {
	Step     string // StepEvent, StepSearch, StepRead, StepCreate, StepUpdate or StepLead
	Attempts int    // flow attempts made; 0 for StepEvent
	Err      error
	// LeadOutcomesUnknown counts the lead saves of this handling that were sent, got no
	// answer and were retried (LeadUnknownRetry): myKaarma may hold the lead although the
	// event failed.
	LeadOutcomesUnknown int
}

func (e *StepError) Error() string {
	msg := fmt.Sprintf("handlers: %s step failed after %d attempt(s): %v", e.Step, e.Attempts, e.Err)
	if e.LeadOutcomesUnknown > 0 {
		msg += fmt.Sprintf(" (%d earlier lead save(s) got no answer: myKaarma may hold the lead already)", e.LeadOutcomesUnknown)
	}
	return msg
}

func (e *StepError) Unwrap() error { return e.Err }

// exhausted wraps a step's last error with ErrExhausted and reason.
func exhausted(e *StepError, reason string) *StepError {
	if reason != "" {
		reason = ": " + reason
	}
	return &StepError{Step: e.Step, Attempts: e.Attempts, Err: fmt.Errorf("%w%s: %w", ErrExhausted, reason, e.Err)}
}

// asAPIError finds the client's *mykaarma.Error in err.
func asAPIError(err error) (*mykaarma.Error, bool) {
	var e *mykaarma.Error
	ok := errors.As(err, &e)
	return e, ok
}
