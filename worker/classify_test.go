package worker

import (
	"context"
	"errors"
	"fmt"
	"github.com/leadworker/leadworker/deadletter"
	"testing"

	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/mykaarma"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	auth := fmt.Errorf("search: %w", mykaarma.ErrAuth)
	exhausted := &handlers.StepError{Step: "search", Attempts: 7, Err: errors.Join(handlers.ErrExhausted, mykaarma.ErrTransient)}
	rejected := &handlers.StepError{Step: "create", Attempts: 1, Err: fmt.Errorf("create: %w", mykaarma.ErrRejected)}
	leadUnknown := &handlers.StepError{Step: "lead", Attempts: 1, Err: errors.Join(handlers.ErrLeadOutcomeUnknown, mykaarma.ErrTransient, mykaarma.ErrOutcomeUnknown)}
	tests := []struct {
		name          string
		err           error
		stopping      bool
		circuitOpened bool
		want          action
	}{
		{"credentials refused", auth, false, false, actionPause},
		{"credentials refused while stopping", auth, true, false, actionPause},
		{"stopping", context.Canceled, true, false, actionRetry},
		{"exhausted while stopping", exhausted, true, true, actionRetry},
		{"exhausted while the circuit opened", exhausted, false, true, actionRetryAfterCircuit},
		{"exhausted alone", exhausted, false, false, actionDeadLetter},
		{"rejected while the circuit opened", rejected, false, true, actionDeadLetter},
		{"rejected", rejected, false, false, actionDeadLetter},
		{"lead outcome unknown", leadUnknown, false, false, actionDeadLetter},
		{"lead outcome unknown while the circuit opened", leadUnknown, false, true, actionDeadLetter},
		{"lead outcome unknown while stopping", leadUnknown, true, false, actionRetry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.err, tt.stopping, tt.circuitOpened); got != tt.want {
				t.Errorf("classify(%v, %v, %v) = %d; want %d", tt.err, tt.stopping, tt.circuitOpened, got, tt.want)
			}
		})
	}
}

func TestDeadLetterFor(t *testing.T) {
	t.Parallel()
	apiErr := &mykaarma.Error{Op: "create", StatusCode: 422, Body: []byte(`{"errors":[]}`)}
	tests := []struct {
		name     string
		err      error
		class    string
		step     string
		attempts int
		status   int
	}{
		{"rejected by myKaarma", &handlers.StepError{Step: "create", Attempts: 2, Err: errors.Join(mykaarma.ErrRejected, apiErr)},
			deadletter.ClassRejected, "create", 2, 422},
		{"rejected but exhausted is exhausted", &handlers.StepError{Step: "lead", Attempts: 5, Err: errors.Join(handlers.ErrExhausted, mykaarma.ErrRejected)},
			deadletter.ClassExhausted, "lead", 5, 0},
		{"plain error", errors.New("boom"), deadletter.ClassExhausted, "", 1, 0},
		{"lead outcome unknown", &handlers.StepError{Step: "lead", Attempts: 1,
			Err: errors.Join(handlers.ErrLeadOutcomeUnknown, mykaarma.ErrTransient, mykaarma.ErrOutcomeUnknown, &mykaarma.Error{Op: "lead"})},
			deadletter.ClassLeadOutcomeUnknown, "lead", 1, 0},
		{"retried unknown lead outcome, then exhausted", &handlers.StepError{Step: "lead", Attempts: 3, LeadOutcomesUnknown: 3,
			Err: errors.Join(handlers.ErrExhausted, mykaarma.ErrTransient, mykaarma.ErrOutcomeUnknown)},
			deadletter.ClassExhausted, "lead", 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deadLetterFor(tt.err)
			if d.Class != tt.class || d.Step != tt.step || d.Attempts != tt.attempts || d.HTTPStatus != tt.status {
				t.Errorf("deadLetterFor() = class %s step %q attempts %d status %d; want %s %q %d %d",
					d.Class, d.Step, d.Attempts, d.HTTPStatus, tt.class, tt.step, tt.attempts, tt.status)
			}
		})
	}
}
