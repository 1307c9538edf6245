package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/deadletter"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/park"
	"github.com/leadworker/leadworker/parking"
	"github.com/sirupsen/logrus/hooks/test"
)

// clock is a settable time for the parking tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// parkedMessage is the message of a parked event of dept, first parked at.
func parkedMessage(t *testing.T, dept string, at time.Time) *consumer.Message {
	return &consumer.Message{Topic: "in", Value: inDepartment(t, dept), Parked: true, ParkedAhead: 1, Headers: []consumer.Header{
		{Key: park.HeaderTenant, Value: []byte(dept)},
		{Key: park.HeaderAt, Value: park.FormatTime(at)},
		{Key: park.HeaderReason, Value: []byte(guard.ReasonScope)},
	}}
}

// TestParkingPolicy: which events of a paused department wait in memory,
// which are parked, and what a parked event meets when it comes back.
func TestParkingPolicy(t *testing.T) {
	const after, maxAge = 30 * time.Second, 72 * time.Hour
	forbidden := &handlers.StepError{Step: "search", Attempts: 1, Err: fmt.Errorf("search: %w", mykaarma.ErrScope)}
	tests := []struct {
		name      string
		pausedFor time.Duration // 0: the department is not paused
		waiting   int           // the department's input events already waiting in memory
		msg       func(t *testing.T, now time.Time) *consumer.Message
		wantPark  bool
		wantClass string // a dead letter of this class
		wantErr   bool   // not done: asked again later
	}{
		{name: "young pause waits in memory", pausedFor: time.Second,
			msg: func(t *testing.T, _ time.Time) *consumer.Message {
				return &consumer.Message{Topic: "in", Value: inDepartment(t, "forbidden")}
			}, wantErr: true},
		{name: "pause older than PARK_AFTER parks", pausedFor: after + time.Second,
			msg: func(t *testing.T, _ time.Time) *consumer.Message {
				return &consumer.Message{Topic: "in", Value: inDepartment(t, "forbidden")}
			}, wantPark: true},
		{name: "a quarter of MAX_BUFFERED waiting parks a young pause's event", pausedFor: time.Second, waiting: 4,
			msg: func(t *testing.T, _ time.Time) *consumer.Message {
				return &consumer.Message{Topic: "in", Value: inDepartment(t, "forbidden")}
			}, wantPark: true},
		{name: "parked events ahead park a resumed department's event behind them",
			msg: func(t *testing.T, _ time.Time) *consumer.Message {
				return &consumer.Message{Topic: "in", Value: inDepartment(t, "forbidden"), ParkedAhead: 2}
			}, wantPark: true},
		{name: "a parked event of a paused department waits, never parked again", pausedFor: after + time.Second,
			msg: func(t *testing.T, now time.Time) *consumer.Message {
				return parkedMessage(t, "forbidden", now.Add(-time.Hour))
			},
			wantErr: true},
		{name: "a parked event older than PARK_MAX_AGE is dead-lettered", pausedFor: after + time.Second,
			msg: func(t *testing.T, now time.Time) *consumer.Message {
				return parkedMessage(t, "forbidden", now.Add(-maxAge-time.Minute))
			}, wantClass: deadletter.ClassParkExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, _ := test.NewNullLogger()
			clk := &clock{now: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)}
			depts := guard.NewDepartments(clk.Now, time.Hour, time.Hour, 0, log)
			k := parking.New(parking.Options{Departments: depts, After: after, MaxAge: maxAge, MaxBuffered: 16, Log: log, Now: clk.Now})
			m := &deptMatcher{errs: map[string]error{"forbidden": forbidden}}
			p := &processor{match: m, gate: guard.NewGate(clk.Now, time.Hour, time.Hour), depts: depts, log: log, now: clk.Now,
				fin: testFinisher(log), park: k}
			if tt.pausedFor > 0 {
				depts.Pause("forbidden", guard.ReasonScope, nil)
				clk.Add(tt.pausedFor)
			}
			for range tt.waiting {
				if !k.Wait(&consumer.Message{}, "forbidden", time.Time{}) {
					t.Fatal("no room for the events already waiting")
				}
			}
			msg := tt.msg(t, clk.Now())
			out, err := p.Handle(context.Background(), msg)
			switch {
			case tt.wantErr:
				if err == nil || !errors.Is(err, guard.ErrDepartmentPaused) {
					t.Fatalf("Handle = %+v, %v; want not done (department paused)", out, err)
				}
				return
			case err != nil:
				t.Fatalf("Handle error = %v", err)
			case tt.wantClass != "":
				if out.DeadLetter == nil || headerOf(out.DeadLetter.Headers, deadletter.HeaderErrorClass) != tt.wantClass {
					t.Fatalf("Handle = %+v; want a %s dead letter", out, tt.wantClass)
				}
				return
			case tt.wantPark != (out.Park != nil):
				t.Fatalf("Handle = %+v; want parked %v", out, tt.wantPark)
			}
			if out.Park.Tenant != "forbidden" {
				t.Errorf("parked for %q; want forbidden", out.Park.Tenant)
			}
			for _, key := range []string{park.HeaderUntil, park.HeaderAt, park.HeaderReason, park.HeaderTimes} {
				if headerOf(out.Park.Headers, key) == "" {
					t.Errorf("park headers %v lack %s", out.Park.Headers, key)
				}
			}
			if m.calls.Load() != 0 {
				t.Errorf("myKaarma called %d times for a parked event; want none", m.calls.Load())
			}
		})
	}
}

func headerOf(hs []consumer.Header, key string) string {
	for _, h := range hs {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
