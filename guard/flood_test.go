package guard

import (
	"testing"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/sirupsen/logrus/hooks/test"
)

func TestFloodGuard(t *testing.T) {
	ok := consumer.Outcome{Result: []byte(`{}`)}
	dead := consumer.Outcome{DeadLetter: &consumer.DeadLetter{Class: consumer.ClassInvalid}}
	opts := FloodOptions{Ratio: 0.5, Window: 10, MinEvents: 4, Consecutive: 5}
	tests := []struct {
		name      string
		outcomes  string // r = result, d = dead letter
		wantPause bool
	}{
		{name: "all results", outcomes: "rrrrrrrrrrrr"},
		{name: "below min events", outcomes: "ddd"},
		{name: "half is not more than half", outcomes: "rdrdrdrdrd"},
		{name: "share over ratio", outcomes: "rrdrddd", wantPause: true}, // 3 of 6 is not more than half; 4 of 7 is
		{name: "old dead letters leave the window", outcomes: "rdrdrdrdrdrrrrrrrrrrdddd"},
		{name: "consecutive run", outcomes: "rrrrrrrrrrrrrrrrrrrrddddd", wantPause: true},
		{name: "run broken by a result", outcomes: "rrrrrrrrrrrrrrrrrrrrddddrdddd", wantPause: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, hook := test.NewNullLogger()
			g := NewGate(time.Now, time.Second, time.Second)
			f := NewFlood(opts, g, log)
			for _, c := range tt.outcomes {
				out := ok
				if c == 'd' {
					out = dead
				}
				f.Outcome(&consumer.Message{}, out, time.Millisecond)
			}
			if got := g.IsPaused(ReasonFlood); got != tt.wantPause {
				t.Errorf("after %s: paused = %v; want %v", tt.outcomes, got, tt.wantPause)
			}
			if tt.wantPause && len(hook.AllEntries()) != 1 {
				t.Errorf("logged %d lines; want exactly one", len(hook.AllEntries()))
			}
		})
	}
}

func TestFloodGuardResume(t *testing.T) {
	log, _ := test.NewNullLogger()
	g := NewGate(time.Now, time.Second, time.Second)
	f := NewFlood(FloodOptions{Consecutive: 2, Window: 10, MinEvents: 10}, g, log)
	dead := consumer.Outcome{DeadLetter: &consumer.DeadLetter{Class: consumer.ClassRejected}}
	f.Outcome(&consumer.Message{}, dead, 0)
	f.Outcome(&consumer.Message{}, dead, 0)
	if !g.IsPaused(ReasonFlood) {
		t.Fatal("two consecutive dead letters did not pause")
	}
	if !f.Resume() || g.IsPaused(ReasonFlood) {
		t.Fatal("resume() did not lift the pause")
	}
	f.Outcome(&consumer.Message{}, dead, 0)
	if g.IsPaused(ReasonFlood) {
		t.Error("resume() kept the run that caused the pause")
	}
}
