package worker

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/logmask"
	"github.com/leadworker/leadworker/mykaarma"
)

// TestOutcomeLogMasksTheEventsPersonalData: the fields the consumer logs for
// an outcome carry the event's personal data as known values, so the process
// logger masks them even where an error message echoes them, and leaves the
// identifiers alone.
func TestOutcomeLogMasksTheEventsPersonalData(t *testing.T) {
	t.Parallel()
	value, err := os.ReadFile("../examples/01-new-customer-lead.json")
	if err != nil {
		t.Fatal(err)
	}
	echo := fmt.Errorf("create: %w: customer Alice Nguyen, (415) 555-0142, alice.nguyen@EXAMPLE.com already exists", mykaarma.ErrRejected)
	var buf bytes.Buffer
	log := logmask.New("info", "json", &buf)
	p := &processor{
		match: stubMatcher{err: &handlers.StepError{Step: "create", Attempts: 1, Err: echo}},
		gate:  guard.NewGate(time.Now, time.Second, time.Second), log: log, now: time.Now, fin: testFinisher(log),
	}
	out, err := p.Handle(context.Background(), &consumer.Message{Topic: "in", Value: value})
	if err != nil || out.DeadLetter == nil || out.Done == nil {
		t.Fatalf("Handle() = %+v, %v; want a dead letter", out, err)
	}
	out.Done(0) // the output was written: the line is logged
	line := buf.String()
	if !strings.Contains(line, "dead-lettered") {
		t.Fatalf("no dead-lettered line:\n%s", line)
	}
	for _, pii := range []string{"Alice", "Nguyen", "555-0142", "4155550142", "alice.nguyen", "Alice.Nguyen"} {
		if strings.Contains(line, pii) {
			t.Errorf("log line shows %q:\n%s", pii, line)
		}
	}
	for _, id := range []string{"demo-01-new-customer", "CRM-LEAD-1001", "7d3f0a52-5c1e-4f7a-9a1b-2e8c4d6f0a11"} {
		if !strings.Contains(line, id) {
			t.Errorf("log line lost identifier %q:\n%s", id, line)
		}
	}
}
