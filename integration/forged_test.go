package integration

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestForgedRouteRecordDoesNotHideTheRealEvent: a record written to the route topic by
// someone else, whose route headers name the next input offset, must not make the real event
// at that offset pass for answered. The forged record copies every header of a real route
// record of this deployment (its group and epoch included) and changes only the offset; it is
// handled on its own, and the real event, produced after the forged one was answered, gets its
// own result and its lead saved. Nothing vanishes.
func TestForgedRouteRecordDoesNotHideTheRealEvent(t *testing.T) {
	b := newBroker(t)
	tp := newTopics(t, b, 1)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	out := collect(t, b, tp)
	routed := collectRaw(t, b, tp.Route)
	load := newLeadLoad(t, tp)
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{"IDENTITY_ROUTING": "true"}))

	// A first event, so that the route topic holds a record of this deployment to copy.
	first := load.make(t, 1, 0, anyRoute)
	produce(t, b, tp.Input, first, 30*time.Second)
	out.waitAll(t, IDs(first), 60*time.Second, w)
	model := routed.wait(t, tp.Route, 30*time.Second, w, atLeast(1))[0]

	next := partitionEnds(t, b, tp.Input, 1)[0] // the offset the real event will get
	real := load.make(t, 1, 0, anyRoute)
	forged := load.make(t, 1, 0, anyRoute)[0]
	var hs []kgo.RecordHeader
	for _, h := range model.Headers {
		if h.Key == "leadworker.route.offset" {
			h.Value = []byte(strconv.FormatInt(next, 10))
		}
		hs = append(hs, h)
	}
	t.Logf("forged route record naming %s/0 offset %d, headers copied from %s/%d offset %d", tp.Input, next, model.Topic, model.Partition, model.Offset)
	produceRecords(t, b, []*kgo.Record{{Topic: tp.Route, Partition: 0, Key: model.Key, Value: forged.Value, Headers: hs}})
	out.waitAll(t, []string{forged.ID}, 60*time.Second, w)

	produce(t, b, tp.Input, real, 30*time.Second)
	if got := partitionEnds(t, b, tp.Input, 1)[0]; got != next+1 {
		t.Fatalf("input end offset %d after the real event; want %d (it must take offset %d)", got, next+1, next)
	}
	// Once both stages have committed the real event, it has been answered or skipped.
	err := testkit.Until(t, 60*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, s := range [][2]string{{tp.Group, tp.Input}, {tp.Group + ".route", tp.Route}} {
			if lag, err := groupLag(ctx, b, s[0], s[1], 1); err != nil || lag != 0 {
				return fmt.Errorf("group %s: lag %d on %s (%v)", s[0], lag, s[1], err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("waiting for both stages to commit the real event: %v", err)
	}
	all := append(append(first, forged), real...)
	if err := testkit.Until(t, 30*time.Second, func() error {
		if m := out.tally(IDs(all)).missing; len(m) > 0 {
			return errors.New(strings.Join(m, ", "))
		}
		return nil
	}); err != nil {
		t.Fatalf("events committed by both stages without an output (they vanished): %v", err)
	}
	tl := out.tally(IDs(all))
	results, _ := out.snapshot()
	for _, r := range results {
		if r.EventID == real[0].ID && r.Result.Source.Offset != next {
			t.Errorf("the real event's result names offset %d; want %d", r.Result.Source.Offset, next)
		}
	}
	saved := savedLeads(fake)
	for _, e := range all {
		if id := leadIDOf(e.Value); saved[id] != 1 {
			t.Errorf("lead %s (event %s) saved %d times; want 1", id, e.ID, saved[id])
		}
	}
	logCounts(t, tl, checkCustomers(t, fake, load.Dept, identities(all)))
	if tl.duplicates != 0 || tl.deadLetters != 0 {
		t.Errorf("duplicates = %d, dead_letters = %d; want 0 and 0", tl.duplicates, tl.deadLetters)
	}
	checkResults(t, out)
}
