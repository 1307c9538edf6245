package parking

import (
	"context"
	"testing"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/park"
	"github.com/sirupsen/logrus/hooks/test"
)

// parkedMessage is the message of a parked event of dept, first parked at.
func parkedMessage(t *testing.T, dept string, at time.Time) *consumer.Message {
	return &consumer.Message{Topic: "in", Value: []byte(`{"departmentUuid":"` + dept + `"}`), Parked: true, ParkedAhead: 1, Headers: []consumer.Header{
		{Key: park.HeaderTenant, Value: []byte(dept)},
		{Key: park.HeaderAt, Value: park.FormatTime(at)},
		{Key: park.HeaderReason, Value: []byte(guard.ReasonScope)},
	}}
}

// TestParkHold: a parked event is held back while its department is
// paused, and let go when it resumes or an operator asks for a probe; an
// event of a department not paused, or one past PARK_MAX_AGE, goes at once.
func TestParkHold(t *testing.T) {
	log, _ := test.NewNullLogger()
	depts := guard.NewDepartments(time.Now, time.Hour, time.Hour, 0, log)
	k := New(Options{Departments: depts, After: time.Second, MaxAge: time.Hour, MaxBuffered: 16, Log: log})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	if err := k.Hold(ctx, parkedMessage(t, "fine", time.Now())); err != nil {
		t.Fatalf("hold of a department not paused = %v; want nil at once", err)
	}
	depts.Pause("forbidden", guard.ReasonScope, nil)
	if err := k.Hold(ctx, parkedMessage(t, "forbidden", time.Now().Add(-2*time.Hour))); err != nil {
		t.Fatalf("hold of an expired parked event = %v; want nil at once", err)
	}

	for _, release := range []struct {
		name string
		do   func()
	}{
		{"admin resume --department", func() { depts.ProbeNow("forbidden") }},
		{"the department resumes", func() { depts.Resume("forbidden", guard.ReasonScope) }},
	} {
		t.Run(release.name, func(t *testing.T) {
			depts.Pause("forbidden", guard.ReasonScope, nil)
			held, msg := make(chan error, 1), parkedMessage(t, "forbidden", time.Now())
			go func() { held <- k.Hold(ctx, msg) }()
			select {
			case err := <-held:
				t.Fatalf("hold returned %v while the department is paused and its probe an hour away", err)
			case <-time.After(200 * time.Millisecond): // not a synchronisation: hold must still be waiting
			}
			if k.Oldest().IsZero() {
				t.Error("oldest() is zero while a parked event is held back")
			}
			release.do()
			select {
			case err := <-held:
				if err != nil {
					t.Fatalf("hold = %v; want nil", err)
				}
			case <-ctx.Done():
				t.Fatal("hold did not return after " + release.name)
			}
			depts.Resume("forbidden", guard.ReasonScope)
		})
	}
}
