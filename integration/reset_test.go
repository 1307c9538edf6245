package integration

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestOffsetResetRedoesEvents: an operator's reset of the input group's offsets means "do
// these again", with identity routing as without. 30 events are answered, the worker stops
// (SIGTERM), and the input group's offsets are set back to the earliest as
// `kafka-consumer-groups --reset-offsets --to-earliest --execute` does (offset 0, empty
// metadata, no generation). The next worker handles all 30 again: 30 more results, and every
// lead saved a second time. With routing on, the route stage routes them again and the process
// stage must not take them for answered: they came after the reset.
func TestOffsetResetRedoesEvents(t *testing.T) {
	for _, tc := range []struct {
		name    string
		routing bool
	}{{"routing", true}, {"no routing", false}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBroker(t)
			tp := newTopics(t, b, 2)
			fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
			out := collect(t, b, tp)
			wl := newWorkload(t, tp, 30)
			ids := IDs(wl.Events)
			env := workerEnv(b, tp, fake, map[string]string{"IDENTITY_ROUTING": strconv.FormatBool(tc.routing)})

			first := startWorker(t, "worker-1", env)
			produce(t, b, tp.Input, wl.Events, 30*time.Second)
			out.waitAll(t, ids, 60*time.Second, first)
			waitStagesCommitted(t, b, tp, tc.routing, 60*time.Second, first)
			first.terminate(t, 30*time.Second)
			waitEmpty(t, b, tp.Group, tp.Input)
			resetOffsets(t, b, tp.Group, tp.Input, tp.Partitions, 0)
			for p, c := range committedMeta(t, b, tp.Group, tp.Input, tp.Partitions) {
				if c.Offset != 0 || c.Metadata != "" {
					t.Fatalf("after the reset partition %d is committed at %d with metadata %q; want 0 and none", p, c.Offset, c.Metadata)
				}
			}

			second := startWorker(t, "worker-2", env)
			err := testkit.Until(t, 90*time.Second, func() error {
				if second.exited() {
					return testkit.Stop(errors.New("worker-2 exited: " + second.exitStatus()))
				}
				tl := out.tally(ids)
				for _, id := range ids {
					if tl.byID[id] < 2 {
						return fmt.Errorf("%d results; event %s has %d outputs", tl.results, id, tl.byID[id])
					}
				}
				return nil
			})
			if err != nil {
				t.Errorf("after the reset, waiting for every event to be answered again: %v", err)
			}
			waitStagesCommitted(t, b, tp, tc.routing, 60*time.Second, second)

			tl := out.tally(ids)
			logCounts(t, tl, checkCustomers(t, fake, wl.Dept, identities(wl.Events)))
			if tl.results != 2*len(ids) || tl.deadLetters != 0 {
				t.Errorf("results = %d, dead_letters = %d; want %d and 0 (each event answered before and after the reset)", tl.results, tl.deadLetters, 2*len(ids))
			}
			saved := savedLeads(fake)
			for id := range leadEvents(t, wl) {
				if saved[id] != 2 {
					t.Errorf("lead %s saved %d times; want 2 (before and after the reset)", id, saved[id])
				}
			}
			if v, err := second.metric(t, "leadworker_skipped_answered_total"); err != nil || v != 0 {
				t.Errorf("leadworker_skipped_answered_total = %v (%v); want 0: nothing read after a reset is answered", v, err)
			}
			checkResults(t, out)
		})
	}
}

// TestSIGKILLWithoutResetStillSkipsAnswered is the control of TestOffsetResetRedoesEvents: a
// crash is not a reset. 20 events are answered and committed, one search hangs, 9 more are
// answered above it, and the worker is killed: the next worker skips the 9, with routing as
// without, and saves no lead twice.
func TestSIGKILLWithoutResetStillSkipsAnswered(t *testing.T) {
	takeoverTest(t, "a SIGKILL and a takeover per case (about 13 s)")
	for _, tc := range []struct {
		name    string
		routing bool
	}{{"routing", true}, {"no routing", false}} {
		t.Run(tc.name, func(t *testing.T) {
			r := runHang(t, hangCase{routing: tc.routing, before: 20, after: 9})
			r.restart(t, nil)
			r.check(t, len(r.afterEvs), nil)
		})
	}
}

// waitStagesCommitted waits until every stage's group has committed everything on its topic
// (the input group, and with routing the route group too).
func waitStagesCommitted(t *testing.T, b *broker, tp topics, routing bool, timeout time.Duration, alive ...*workerProc) {
	t.Helper()
	type stage struct{ group, topic string }
	stages := []stage{{tp.Group, tp.Input}}
	if routing {
		stages = append(stages, stage{tp.Group + ".route", tp.Route})
	}
	err := testkit.Until(t, timeout, func() error {
		for _, w := range alive {
			if w.exited() {
				return testkit.Stop(errors.New(w.name + " exited: " + w.exitStatus()))
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, s := range stages {
			lag, err := groupLag(ctx, b, s.group, s.topic, tp.Partitions)
			if err != nil {
				return err
			}
			if lag != 0 {
				return fmt.Errorf("group %s: lag %d on %s", s.group, lag, s.topic)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("waiting for every stage to commit all it read: %v", err)
	}
}

// waitEmpty waits until group has no members, as kafka-consumer-groups requires before it
// resets offsets.
func waitEmpty(t *testing.T, b *broker, group, topic string) {
	t.Helper()
	err := testkit.Until(t, 30*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		v, err := describeGroup(ctx, b, group, topic)
		if err != nil {
			return err
		}
		if v.State != "Empty" {
			return fmt.Errorf("state %q, members %v", v.State, v.Owners)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("group %s: waiting for it to be empty: %v", group, err)
	}
}
