package guard

import (
	"testing"
	"time"

	"github.com/sirupsen/logrus/hooks/test"
)

func TestFloodGuard(t *testing.T) {
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
				f.Record(c == 'd')
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
	f.Record(true)
	f.Record(true)
	if !g.IsPaused(ReasonFlood) {
		t.Fatal("two consecutive dead letters did not pause")
	}
	if !f.Resume() || g.IsPaused(ReasonFlood) {
		t.Fatal("resume() did not lift the pause")
	}
	f.Record(true)
	if g.IsPaused(ReasonFlood) {
		t.Error("resume() kept the run that caused the pause")
	}
}

func TestFloodOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts FloodOptions
		ok   bool
	}{
		{"defaults", FloodOptions{}, true},
		{"ratio above one", FloodOptions{Ratio: 1.5}, false},
		{"negative window", FloodOptions{Window: -1}, false},
		{"minimum above the window", FloodOptions{Window: 10, MinEvents: 11}, false},
		{"minimum above the default window", FloodOptions{MinEvents: 101}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.opts.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v; want ok = %v", err, tt.ok)
			}
		})
	}
}

// TestNilLoggersAreSilent: a guard built without a logger logs nowhere and
// does not panic when it has something to say.
func TestNilLoggersAreSilent(t *testing.T) {
	t.Parallel()
	g := NewGate(nil, time.Second, time.Second)
	f := NewFlood(FloodOptions{Consecutive: 1}, g, nil)
	f.Record(true)
	if !g.IsPaused(ReasonFlood) {
		t.Error("flood guard without a logger did not pause")
	}
	c := NewCircuit(CircuitOptions{Consecutive: 1, MinEvents: 1}, g, NewDepartments(nil, time.Second, time.Second, 0, nil), nil, nil)
	c.Record("e1", "", CallUnanswered)
	if !c.IsOpen() {
		t.Fatal("circuit without a logger did not open")
	}
	c.Record("e1", "", CallOK)
	if c.IsOpen() {
		t.Error("circuit without a logger did not close")
	}
}
