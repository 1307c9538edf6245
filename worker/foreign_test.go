package worker

import (
	"context"
	"github.com/leadworker/leadworker/deadletter"
	"os"
	"testing"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/handlers"
	"github.com/sirupsen/logrus/hooks/test"
)

// A route record another deployment routed is dead-lettered as foreign,
// never handled; this deployment's own, and those of a version that did not
// stamp them, are handled.
func TestForeignRouteRecord(t *testing.T) {
	valid, err := os.ReadFile("../examples/06-transient-failure.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		m         consumer.Message
		wantClass string // "" = handled
	}{
		{"ours", consumer.Message{Routed: true, RoutedBy: "prod"}, ""},
		{"unstamped", consumer.Message{Routed: true}, ""},
		{"not routed", consumer.Message{RoutedBy: "staging"}, ""},
		{"another deployment's", consumer.Message{Routed: true, RoutedBy: "staging"}, deadletter.ClassForeign},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, _ := test.NewNullLogger()
			calls := 0
			match := matcherFunc(func(context.Context) (*handlers.Outcome, error) {
				calls++
				return &handlers.Outcome{Outcome: "SAVED", CustomerUUID: "c-1", CustomerAction: "created", MatchRule: "none", Attempts: 1}, nil
			})
			p := &processor{match: match, gate: guard.NewGate(time.Now, time.Second, time.Second), log: log, now: time.Now, group: "prod", fin: testFinisher(log)}
			m := tt.m
			m.Topic, m.Value = "in", valid
			out, err := p.Handle(context.Background(), &m)
			if err != nil {
				t.Fatalf("Handle() error = %v", err)
			}
			if tt.wantClass == "" {
				if out.DeadLetter != nil || calls != 1 {
					t.Errorf("dead letter %+v, %d handler calls; want the event handled once", out.DeadLetter, calls)
				}
				return
			}
			if out.DeadLetter == nil || letterHeader(out.DeadLetter, deadletter.HeaderErrorClass) != tt.wantClass || calls != 0 {
				t.Errorf("dead letter %+v, %d handler calls; want class %s and no call", out.DeadLetter, calls, tt.wantClass)
			}
		})
	}
}
