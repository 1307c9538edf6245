package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/deadletter"
	"github.com/leadworker/leadworker/park"
	"github.com/leadworker/leadworker/schemas"
	"github.com/sirupsen/logrus"
)

// turnedAway is what an event of a paused department gets (err says so):
// a parked event waits in its lane for its department's next probe; an
// input event waits in memory or is parked (parking.Policy.TurnedAway).
func (p *processor) turnedAway(m *consumer.Message, dept string, err error) (consumer.Outcome, error) {
	switch {
	case p.park == nil:
		return consumer.Outcome{}, err
	case m.Parked:
		at, _ := p.park.Expired(m)
		p.park.Wait(m, dept, at)
		return consumer.Outcome{}, err
	}
	return p.park.TurnedAway(m, dept, err)
}

// parkExpired dead-letters a parked event whose department stayed paused
// for longer than PARK_MAX_AGE, for a person to look at.
func (p *processor) parkExpired(ctx context.Context, m *consumer.Message, ev *schemas.Event, at time.Time) consumer.Outcome {
	reason := m.Header(park.HeaderReason)
	l := &deadletter.Letter{Class: deadletter.ClassParkExpired, EventID: ev.EventID, Attempts: 1,
		Message: fmt.Sprintf("parked since %s, longer than PARK_MAX_AGE (%v), while department %s stayed paused (%s)",
			at.UTC().Format(time.RFC3339), p.park.MaxAge(), ev.DepartmentUUID, reason)}
	fields := logrus.Fields{"eventId": ev.EventID, "eventType": ev.EventType, "department": ev.DepartmentUUID}
	return p.fin.deadLetter(ctx, m, l, summary{}, fields)
}
