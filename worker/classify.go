package worker

import (
	"errors"

	"github.com/leadworker/leadworker/deadletter"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/mykaarma"
)

// action is what an event's handler error means for the event.
type action int

const (
	// actionDeadLetter: the event itself failed; it is dead-lettered.
	actionDeadLetter action = iota
	// actionPause: myKaarma refuses the credentials (401: work pauses) or a
	// scope (403: the event's department pauses); the event is retried, never
	// dead-lettered.
	actionPause
	// actionRetry: the worker is stopping or the partition is being given up;
	// the event is redelivered.
	actionRetry
	// actionRetryAfterCircuit: the event ran out of retries while myKaarma
	// failed for every event, or for the event's department (a circuit
	// opened); it is retried once the circuit closes instead of being
	// dead-lettered.
	actionRetryAfterCircuit
)

// circuitOpened tells which circuit, if any, opened while an event ran.
type circuitOpened int

const (
	circuitOpenedNone       circuitOpened = iota
	circuitOpenedDepartment               // the event's department's own
	circuitOpenedGlobal
)

// classify decides what err, returned by the handler for one event, means.
// stopping reports that the consumer's context has ended; opened which
// circuit opened while the event ran. It is a pure function of its
// arguments.
func classify(err error, stopping bool, opened circuitOpened) action {
	switch {
	case errors.Is(err, mykaarma.ErrAuth), errors.Is(err, guard.ErrDepartmentPaused):
		return actionPause
	case stopping:
		return actionRetry
	case errors.Is(err, handlers.ErrExhausted) && opened != circuitOpenedNone:
		return actionRetryAfterCircuit
	}
	return actionDeadLetter
}

// deadLetterFor classifies a handler error that ends the event.
func deadLetterFor(err error) *deadletter.Letter {
	d := &deadletter.Letter{Class: deadletter.ClassExhausted, Message: err.Error(), Attempts: 1}
	switch {
	case errors.Is(err, handlers.ErrLeadOutcomeUnknown):
		d.Class = deadletter.ClassLeadOutcomeUnknown
	case errors.Is(err, mykaarma.ErrRejected) && !errors.Is(err, handlers.ErrExhausted):
		d.Class = deadletter.ClassRejected
	}
	var se *handlers.StepError
	if errors.As(err, &se) {
		d.Step = se.Step
		d.Attempts = max(se.Attempts, 1)
	}
	var api *mykaarma.Error
	if errors.As(err, &api) {
		d.HTTPStatus = api.StatusCode
		d.HTTPBody = api.Body
	}
	return d
}
