package integration

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// hangCase is a crash with answered work above a commit point that cannot move: one event's
// myKaarma search hangs (MYKAARMA_TIMEOUT is long enough to outlast the test), the events
// after it on its partition are answered (their results written, their offsets not
// committed), and the worker is killed. A second worker then takes over and must skip exactly
// the answered events, so that no lead is saved twice.
//
// Partitions a and b are the process stage's partitions 0 and 1: input partitions without
// identity routing, route partitions with it (every event then goes to input partition 0,
// and its customer's last name picks the route partition).
type hangCase struct {
	routing bool
	quiet   bool // first of all one event on b, answered; b then gets nothing until the kill, which comes after both partitions' refresh
	before  int  // events on a answered and committed before the hang (at least 1: a commits)
	busy    int  // events on b answered and committed while the search hangs
	after   int  // events on a answered above the hung one before the kill
}

// hangRun is a hangCase run up to the kill, and then the takeover.
type hangRun struct {
	hangCase
	b           *broker
	tp          topics
	fake        *mykaarmatest.Server
	out         *collector
	load        *leadLoad
	env         map[string]string
	first, next *workerProc

	quietEvs, beforeEvs, hung, busyEvs, afterEvs []event
	killed                                       time.Time
	atKill                                       map[int]committed // the process stage's commits at the kill
	inFlight                                     []string          // leadIds saved before the kill whose event had no output
}

// runHang runs c up to the kill of the first worker.
func runHang(t *testing.T, c hangCase) *hangRun {
	t.Helper()
	r := &hangRun{hangCase: c, b: newBroker(t)}
	r.tp = newTopics(t, r.b, 2)
	r.fake = mykaarmatest.NewServer(t, mykaarmatest.Options{})
	r.out = collect(t, r.b, r.tp)
	r.load = newLeadLoad(t, r.tp)
	r.env = workerEnv(r.b, r.tp, r.fake, map[string]string{
		"IDENTITY_ROUTING": strconv.FormatBool(c.routing),
		"MYKAARMA_TIMEOUT": "10m", // the hung search holds its commit point until the kill
	})
	r.first = startWorker(t, "worker-1", r.env)

	if c.quiet {
		r.quietEvs = r.answer(t, 1, 1)
	}
	r.beforeEvs = r.answer(t, c.before, 0)
	if c.quiet {
		// Both partitions' positions are fresh before the hang: b's by its refresh, a's by its
		// refresh after the burst (TestSIGKILLAfterBurstKeepsAnsweredSkip kills sooner).
		r.waitRefreshed(t, 20*time.Second, 0, 1)
	}

	r.fake.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpSearch, Hang: true, Times: 1})
	r.hung = r.events(t, 1, 0)
	produce(t, r.b, r.tp.Input, r.hung, 30*time.Second)
	if err := testkit.Until(t, 60*time.Second, func() error {
		if r.fake.Hanging() != 1 {
			return fmt.Errorf("%d searches hanging; want 1", r.fake.Hanging())
		}
		return nil
	}); err != nil {
		t.Fatalf("the hung event's search: %v", err)
	}
	if c.busy > 0 {
		r.busyEvs = r.answer(t, c.busy, 1)
	}
	r.afterEvs = r.events(t, c.after, 0)
	produce(t, r.b, r.tp.Input, r.afterEvs, 30*time.Second)
	r.out.waitAll(t, IDs(r.afterEvs), 60*time.Second, r.first)
	if c.routing {
		// The route stage has committed all it routed: nothing is routed twice, so the
		// takeover skips each answered event once.
		r.waitLag(t, r.tp.Group, r.tp.Input, 0, r.first)
	}

	group, topic := r.stage()
	r.atKill = committedMeta(t, r.b, group, topic, r.tp.Partitions)
	r.first.kill()
	r.killed = time.Now() // after the process has exited: every request it sent arrived before
	waitCaughtUp(t, r.b, r.tp, r.out)
	answered := map[string]bool{}
	results, dlq := r.out.snapshot()
	for _, o := range append(results, dlq...) {
		answered[o.EventID] = true
	}
	before := savedLeadsBefore(r.fake, r.killed)
	for _, e := range r.all() {
		if id := leadIDOf(e.Value); !answered[e.ID] && before[id] > 0 {
			r.inFlight = append(r.inFlight, id)
		}
	}
	t.Logf("SIGKILL with %d answered above the hung event; process stage commits %v; %d leads in flight",
		len(r.afterEvs), r.atKill, len(r.inFlight))
	return r
}

// stage is the group and topic of the process stage.
func (r *hangRun) stage() (group, topic string) {
	if r.routing {
		return r.tp.Group + ".route", r.tp.Route
	}
	return r.tp.Group, r.tp.Input
}

// events makes n events on the process stage's partition part.
func (r *hangRun) events(t *testing.T, n, part int) []event {
	t.Helper()
	if r.routing {
		return r.load.make(t, n, 0, part)
	}
	return r.load.make(t, n, part, anyRoute)
}

// answer produces n events on part and waits until each has an output and part's offsets
// are all committed.
func (r *hangRun) answer(t *testing.T, n, part int) []event {
	t.Helper()
	evs := r.events(t, n, part)
	produce(t, r.b, r.tp.Input, evs, 30*time.Second)
	r.out.waitAll(t, IDs(evs), 60*time.Second, r.first)
	group, topic := r.stage()
	r.waitLag(t, group, topic, part, r.first)
	return evs
}

// waitLag waits until group has committed everything on topic's partition part (-1: every
// partition).
func (r *hangRun) waitLag(t *testing.T, group, topic string, part int, w *workerProc) {
	t.Helper()
	waitPartCommitted(t, r.b, group, topic, r.tp.Partitions, part, w)
}

// waitRefreshed waits until the process stage's partitions parts recommit their offsets with
// fresh output positions (see waitRecommitted).
func (r *hangRun) waitRefreshed(t *testing.T, timeout time.Duration, parts ...int) {
	t.Helper()
	group, topic := r.stage()
	waitRecommitted(t, r.b, r.tp, timeout, group, topic, parts...)
}

// waitPartCommitted waits until group has committed everything on partition part of topic,
// which has partitions partitions (part -1: on every partition).
func waitPartCommitted(t *testing.T, b *broker, group, topic string, partitions, part int, alive ...*workerProc) {
	t.Helper()
	err := testkit.Until(t, 60*time.Second, func() error {
		for _, w := range alive {
			if w.exited() {
				return testkit.Stop(errors.New(w.name + " exited: " + w.exitStatus()))
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		lags, err := partitionLag(ctx, b, group, topic, partitions)
		if err != nil {
			return err
		}
		for p, l := range lags {
			if (part < 0 || p == part) && l != 0 {
				return fmt.Errorf("lag %v", lags)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("group %s on %s: waiting until partition %d is committed: %v", group, topic, part, err)
	}
}

// waitRecommitted waits until group's commits of partitions parts of topic, whose offsets do
// not move, record output positions at or above the ends of tp's output topics now, which
// they can only do by committing their unmoved offsets again. It fails t, and goes on, when
// that does not happen within timeout (a refresh is due every 5 s).
func waitRecommitted(t *testing.T, b *broker, tp topics, timeout time.Duration, group, topic string, parts ...int) {
	t.Helper()
	ends := outputEnds(t, b, tp)
	var cs map[int]committed
	began := time.Now()
	err := testkit.Until(t, timeout, func() error {
		cs = committedMeta(t, b, group, topic, tp.Partitions)
		for _, p := range parts {
			if err := covers(metaPositions(cs[p].Metadata), ends); err != nil {
				return fmt.Errorf("partition %d: %w", p, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("after %v a commit still records stale output positions (ends now %v; commits %v): %v", timeout, ends, cs, err)
		return
	}
	t.Logf("partitions %v recommitted with fresh positions after %v: %v", parts, time.Since(began).Round(10*time.Millisecond), cs)
}

// all are the events produced.
func (r *hangRun) all() []event {
	return slices.Concat(r.quietEvs, r.beforeEvs, r.hung, r.busyEvs, r.afterEvs)
}

// restart starts the second worker with the first one's environment and extra, and waits
// until every event has an output and every stage has committed all it read.
func (r *hangRun) restart(t *testing.T, extra map[string]string) {
	t.Helper()
	env := maps.Clone(r.env)
	env["MYKAARMA_TIMEOUT"] = "5s"
	maps.Copy(env, extra)
	r.next = startWorker(t, "worker-2", env)
	r.out.waitAll(t, IDs(r.all()), 2*time.Minute, r.next)
	group, topic := r.stage()
	r.waitLag(t, group, topic, -1, r.next)
	if r.routing {
		r.waitLag(t, r.tp.Group, r.tp.Input, -1, r.next)
	}
}

// check fails t unless the second worker read the answered work without falling back,
// skipped exactly wantSkipped answered events, and saved no lead twice but those in flight at
// the kill and those in mayRepeat (leadIds).
func (r *hangRun) check(t *testing.T, wantSkipped int, mayRepeat map[string]bool) {
	t.Helper()
	if got := r.next.logged("not skipped"); len(got) > 0 {
		t.Errorf("the takeover fell back: %q", got)
	}
	if n, err := r.next.metric(t, "leadworker_answered_scan_fallbacks_total"); err != nil || n != 0 {
		t.Errorf("leadworker_answered_scan_fallbacks_total = %v (%v); want 0", n, err)
	}
	var skipped float64
	err := testkit.Until(t, 10*time.Second, func() error {
		var err error
		if skipped, err = r.next.metric(t, "leadworker_skipped_answered_total"); err != nil {
			return err
		}
		if int(skipped) != wantSkipped {
			return fmt.Errorf("leadworker_skipped_answered_total = %v", skipped)
		}
		return nil
	})
	if err != nil {
		t.Errorf("%v; want %d (the events answered and not committed at the kill)", err, wantSkipped)
	}

	allowed := map[string]bool{}
	for _, id := range r.inFlight {
		allowed[id] = true
	}
	maps.Copy(allowed, mayRepeat)
	saved := savedLeads(r.fake)
	twice := 0
	for _, e := range r.all() {
		id := leadIDOf(e.Value)
		switch n := saved[id]; {
		case n == 0:
			t.Errorf("lead %s (event %s) never saved", id, e.ID)
		case n > 1:
			twice++
			if !allowed[id] {
				t.Errorf("lead %s (event %s) saved %d times; it was neither in flight at the kill nor without its result", id, e.ID, n)
			}
		}
	}
	tl := r.out.tally(IDs(r.all()))
	customers := checkCustomers(t, r.fake, r.load.Dept, identities(r.all()))
	logCounts(t, tl, customers)
	t.Logf("leads saved twice: %d (in flight at the kill: %d, allowed besides: %d); skipped as answered: %v",
		twice, len(r.inFlight), len(mayRepeat), skipped)
	if tl.deadLetters != 0 {
		t.Errorf("dead_letters = %d; want 0", tl.deadLetters)
	}
	checkResults(t, r.out)
}
