package worker

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
	"github.com/sirupsen/logrus/hooks/test"
)

func TestProcessorExhaustedWhileCircuitOpenIsNotDone(t *testing.T) {
	valid, err := os.ReadFile("../examples/06-transient-failure.json")
	if err != nil {
		t.Fatal(err)
	}
	log, _ := test.NewNullLogger()
	g := guard.NewGate(time.Now, time.Hour, time.Hour)
	c := guard.NewCircuit(guard.CircuitOptions{Consecutive: 1, MinEvents: 1}, g, nil, time.Now, log)
	exhausted := &handlers.StepError{Step: "search", Attempts: 7, Err: errors.Join(handlers.ErrExhausted, mykaarma.ErrTransient)}
	// The circuit opens while the event is being retried.
	match := matcherFunc(func(ctx context.Context) (*handlers.Outcome, error) {
		c.Record(guard.EventOf(ctx), "", guard.CallUnanswered)
		return nil, exhausted
	})
	p := &processor{match: match, gate: g, circuit: c, log: log, now: time.Now, fin: testFinisher(log)}
	out, err := p.Handle(context.Background(), &consumer.Message{Value: valid})
	if err == nil || out.DeadLetter != nil {
		t.Fatalf("Handle() = %+v, %v; want not done (retried later), not a dead letter", out, err)
	}
	if !errors.Is(err, handlers.ErrExhausted) {
		t.Errorf("Handle() error = %v; want it to wrap the handler's error", err)
	}
}

type matcherFunc func(ctx context.Context) (*handlers.Outcome, error)

func (f matcherFunc) Handle(ctx context.Context, _ *schemas.Event) (*handlers.Outcome, error) {
	return f(ctx)
}
