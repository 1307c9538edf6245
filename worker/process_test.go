package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/leadworker/leadworker/deadletter"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// stubMatcher answers every event with a fixed outcome or error.
type stubMatcher struct {
	out *handlers.Outcome
	err error
}

func (s stubMatcher) Handle(context.Context, *schemas.Event) (*handlers.Outcome, error) {
	return s.out, s.err
}

func TestProcessorClassifies(t *testing.T) {
	valid, err := os.ReadFile("../examples/06-transient-failure.json")
	if err != nil {
		t.Fatal(err)
	}
	rejected := &mykaarma.Error{Op: "create", StatusCode: 400, Body: []byte(`{"status":400}`)}
	tests := []struct {
		name      string
		value     []byte
		match     stubMatcher
		wantClass string // "" = result
		wantErr   bool   // not done: retried
		wantStep  string
		wantHTTP  int
	}{
		{name: "result", value: valid, match: stubMatcher{out: &handlers.Outcome{Outcome: "SAVED", CustomerUUID: "c-1", CustomerAction: "created", MatchRule: "none", Attempts: 1}}},
		{name: "not json", value: []byte("nope"), wantClass: deadletter.ClassInvalid},
		{name: "rejected", value: valid, match: stubMatcher{err: &handlers.StepError{Step: "create", Attempts: 1, Err: fmt.Errorf("create: %w", errors.Join(mykaarma.ErrRejected, rejected))}},
			wantClass: deadletter.ClassRejected, wantStep: "create", wantHTTP: 400},
		{name: "exhausted", value: valid, match: stubMatcher{err: &handlers.StepError{Step: "search", Attempts: 7, Err: errors.Join(handlers.ErrExhausted, mykaarma.ErrTransient)}},
			wantClass: deadletter.ClassExhausted, wantStep: "search"},
		{name: "auth is not dead-lettered", value: valid, match: stubMatcher{err: fmt.Errorf("search: %w", mykaarma.ErrCredentials)}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, _ := test.NewNullLogger()
			p := &processor{match: tt.match, gate: guard.NewGate(time.Now, time.Second, time.Second), log: log, now: time.Now, fin: testFinisher(log)}
			out, err := p.Handle(context.Background(), &consumer.Message{Topic: "in", Partition: 2, Offset: 9, Value: tt.value})
			if tt.wantErr {
				if err == nil {
					t.Fatal("Handle() error = nil; want not-done")
				}
				if !p.gate.IsPaused(guard.ReasonAuth) {
					t.Error("auth failure did not pause work")
				}
				return
			}
			if err != nil {
				t.Fatalf("Handle() error = %v", err)
			}
			if tt.wantClass == "" {
				var r schemas.Result
				if err := json.Unmarshal(out.Result, &r); err != nil {
					t.Fatal(err)
				}
				if err := schemas.ValidateResult(&r); err != nil {
					t.Errorf("result does not match its schema: %v", err)
				}
				if r.Source.Partition != 2 || r.Source.Offset != 9 || r.EventID != "demo-06-transient" {
					t.Errorf("result = %+v", r)
				}
				return
			}
			d := out.DeadLetter
			status := ""
			if tt.wantHTTP != 0 {
				status = strconv.Itoa(tt.wantHTTP)
			}
			if d == nil || letterHeader(d, deadletter.HeaderErrorClass) != tt.wantClass || letterHeader(d, deadletter.HeaderErrorStep) != tt.wantStep ||
				letterHeader(d, deadletter.HeaderHTTPStatus) != status {
				t.Fatalf("dead letter = %+v; want class %s step %q status %d", d, tt.wantClass, tt.wantStep, tt.wantHTTP)
			}
		})
	}
}

// testFinisher reports outcomes to fresh metrics and a flood guard that
// never pauses, logging to log.
func testFinisher(log logrus.FieldLogger) *finisher {
	gate := guard.NewGate(time.Now, time.Second, time.Second)
	return &finisher{metrics: newMetrics(), flood: guard.NewFlood(guard.FloodOptions{Consecutive: -1}, gate, log), log: log, now: time.Now}
}

// letterHeader is the value of a dead letter's header key ("" when absent).
func letterHeader(d *consumer.DeadLetter, key string) string {
	for _, h := range d.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
