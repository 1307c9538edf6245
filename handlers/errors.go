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
// created. The StepError (step search) also wraps mykaarma.ErrRejected and not ErrExhausted,
// so the worker dead-letters it at once with class "rejected": retrying cannot help, an
// operator must look at the duplicates behind the key.
var ErrKeyPageFull = errors.New("the customerKey search returned a full page without the key")

// StepError is every error Handle returns, except when the caller's context ends. Classify
// it with errors.Is: mykaarma.ErrRejected (do not retry the event; ErrKeyPageFull is one),
// mykaarma.ErrAuth (credentials or scope; pause and probe), ErrExhausted (transient failures
// outlasted the budget).
type StepError struct {
	Step     string // StepEvent, StepSearch, StepRead, StepCreate, StepUpdate or StepLead
	Attempts int    // flow attempts made; 0 for StepEvent
	Err      error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("handlers: %s step failed after %d attempt(s): %v", e.Step, e.Attempts, e.Err)
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
