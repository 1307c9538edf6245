package worker

import (
	"context"
	"errors"
	"fmt"
	"github.com/leadworker/leadworker/deadletter"
	"github.com/leadworker/leadworker/guard"
	"testing"

	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/mykaarma"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	auth := fmt.Errorf("search: %w", mykaarma.ErrCredentials)
	scope := fmt.Errorf("lead: %w", mykaarma.ErrScope)
	paused := &guard.DepartmentPausedError{Department: "d1", Reason: guard.ReasonCircuit}
	exhausted := &handlers.StepError{Step: "search", Attempts: 7, Err: errors.Join(handlers.ErrExhausted, mykaarma.ErrTransient)}
	rejected := &handlers.StepError{Step: "create", Attempts: 1, Err: fmt.Errorf("create: %w", mykaarma.ErrRejected)}
	leadUnknown := &handlers.StepError{Step: "lead", Attempts: 1, Err: errors.Join(handlers.ErrLeadOutcomeUnknown, mykaarma.ErrTransient, mykaarma.ErrOutcomeUnknown)}
	const (
		none   = circuitOpenedNone
		dept   = circuitOpenedDepartment
		global = circuitOpenedGlobal
	)
	tests := []struct {
		name     string
		err      error
		stopping bool
		opened   circuitOpened
		want     action
	}{
		{"credentials refused", auth, false, none, actionPause},
		{"credentials refused while stopping", auth, true, none, actionPause},
		{"scope missing", scope, false, none, actionPause},
		{"scope missing while its department's circuit opened", scope, false, dept, actionPause},
		{"department paused", paused, false, none, actionPause},
		{"stopping", context.Canceled, true, none, actionRetry},
		{"exhausted while stopping", exhausted, true, global, actionRetry},
		{"exhausted while the circuit opened", exhausted, false, global, actionRetryAfterCircuit},
		{"exhausted while its department's circuit opened", exhausted, false, dept, actionRetryAfterCircuit},
		{"exhausted alone", exhausted, false, none, actionDeadLetter},
		{"rejected while the circuit opened", rejected, false, global, actionDeadLetter},
		{"rejected while its department's circuit opened", rejected, false, dept, actionDeadLetter},
		{"rejected", rejected, false, none, actionDeadLetter},
		{"lead outcome unknown", leadUnknown, false, none, actionDeadLetter},
		{"lead outcome unknown while the circuit opened", leadUnknown, false, global, actionDeadLetter},
		{"lead outcome unknown while stopping", leadUnknown, true, none, actionRetry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.err, tt.stopping, tt.opened); got != tt.want {
				t.Errorf("classify(%v, %v, %v) = %d; want %d", tt.err, tt.stopping, tt.opened, got, tt.want)
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
