package integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// Parking, from the outside: a department myKaarma answers 403 for has its events parked on
// <group>.parked once its pause is older than PARK_AFTER, the other departments go on at
// their pace, commits reach the log end, and once the scope is granted and an operator asks
// for a probe every parked event is answered once, in order per identity.

// parkAfter is the tests' PARK_AFTER.
const parkAfter = time.Second

// parkEnv is the worker environment of the parking tests: a short PARK_AFTER, and probes that
// wait for the operator (`admin resume --department`), so that nothing is handed back before
// the test grants the scope.
func parkEnv(extra map[string]string) map[string]string {
	env := map[string]string{
		"PARK_AFTER":                 parkAfter.String(),
		"CIRCUIT_PROBE_MIN_INTERVAL": "10m",
		"CIRCUIT_PROBE_MAX_INTERVAL": "10m",
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// forbid makes the fake answer 403 to every call of wl's department and dealer (the scope is
// not granted) and returns the grant.
func forbid(fake *mykaarmatest.Server, wl *workload) (grant func()) {
	dept := fake.AddFault(mykaarmatest.Fault{Department: wl.Dept, Status: http.StatusForbidden})
	dealer := fake.AddFault(mykaarmatest.Fault{Department: wl.Dealer, Status: http.StatusForbidden})
	return func() {
		dept()
		dealer()
	}
}

// parkWorkload is newWorkload without the customers whose key is exactly
// mykaarmatest.MaxSearchTermLength characters long. The fake finds such a key by its search
// term and also every longer key beginning with it (CK-…-1 finds CK-…-10 to CK-…-19 and
// CK-…-100 on), and the worker refuses to create a customer whose own key search returns a
// full page without it: once parking reorders a department's customers across partitions, the
// customer of that key can come after 25 of the longer ones and be dead-lettered (rejected).
func parkWorkload(t *testing.T, tp topics, n int) *workload {
	t.Helper()
	return newWorkloadWhere(t, tp, n, func(value []byte) bool {
		var v struct {
			Customer struct {
				CustomerKey string `json:"customerKey"`
			} `json:"customer"`
		}
		return json.Unmarshal(value, &v) == nil && len(v.Customer.CustomerKey) != mykaarmatest.MaxSearchTermLength
	})
}

// interleave returns the events of wls taking one of each in turn, as CRMs feeding several
// departments write them.
func interleave(wls ...*workload) []event {
	var out []event
	for i := 0; ; i++ {
		more := false
		for _, wl := range wls {
			if i < len(wl.Events) {
				out = append(out, wl.Events[i])
				more = true
			}
		}
		if !more {
			return out
		}
	}
}

// allIDs returns the event ids of wls.
func allIDs(wls ...*workload) []string {
	var ids []string
	for _, wl := range wls {
		ids = append(ids, IDs(wl.Events)...)
	}
	return ids
}

// parkedIDs returns how many times each event id was written to the parked topic.
func parkedIDs(t *testing.T, recs []*kgo.Record) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, r := range recs {
		var v struct {
			EventID string `json:"eventId"`
		}
		if err := json.Unmarshal(r.Value, &v); err != nil || v.EventID == "" {
			t.Errorf("parked record %s/%d@%d is not an event: %q", r.Topic, r.Partition, r.Offset, r.Value)
			continue
		}
		n[v.EventID]++
	}
	return n
}

// waitParked waits until every event of wl is on the parked topic.
func waitParked(t *testing.T, parked *rawCollector, tp topics, wl *workload, timeout time.Duration, w *workerProc) map[string]int {
	t.Helper()
	var got map[string]int
	parked.wait(t, tp.Parked, timeout, w, func(rs []*kgo.Record) error {
		got = parkedIDs(t, rs)
		for _, id := range IDs(wl.Events) {
			if got[id] == 0 {
				return fmt.Errorf("%d records, event %s not parked yet", len(rs), id)
			}
		}
		return nil
	})
	return got
}

// checkParkedOnly fails t unless the parked topic holds the events of wl and no other.
func checkParkedOnly(t *testing.T, got map[string]int, wl *workload) {
	t.Helper()
	want := map[string]bool{}
	for _, id := range IDs(wl.Events) {
		want[id] = true
	}
	for id, n := range got {
		if !want[id] {
			t.Errorf("event %s parked %d times; it is not the forbidden department's", id, n)
		}
	}
}

// checkOnce fails t unless every event of ids has exactly one output, a result.
func checkOnce(t *testing.T, out *collector, ids []string) tally {
	t.Helper()
	tl := out.tally(ids)
	if tl.deadLetters != 0 {
		_, dlq := out.snapshot()
		t.Errorf("dead_letters = %d (first: %s class %q); want 0", tl.deadLetters, dlq[0].EventID, dlq[0].Headers["error.class"])
	}
	twice := 0
	for _, id := range ids {
		if n := tl.byID[id]; n != 1 {
			twice++
			if twice <= 5 {
				t.Errorf("event %s has %d outputs; want exactly one", id, n)
			}
		}
	}
	if twice > 5 {
		t.Errorf("... %d events in all without exactly one output", twice)
	}
	return tl
}

// checkIdentityOrder fails t unless each customer's customer event was answered before its
// lead event: their results are keyed like the input, so they share a partition and the
// offsets give the order (the first result of each, should one be repeated).
func checkIdentityOrder(t *testing.T, out *collector, wls ...*workload) {
	t.Helper()
	results, _ := out.snapshot()
	first := map[string]output{}
	for _, r := range results {
		if o, ok := first[r.EventID]; !ok || r.Offset < o.Offset {
			first[r.EventID] = r
		}
	}
	bad := 0
	for _, wl := range wls {
		for i := 0; i+1 < len(wl.Events); i += 2 {
			c, l := first[wl.Events[i].ID], first[wl.Events[i+1].ID]
			if c.Partition != l.Partition || c.Offset >= l.Offset {
				bad++
				if bad <= 5 {
					t.Errorf("identity %s: customer event %s answered at %d@%d, lead event %s at %d@%d; want the customer event first on one partition",
						wl.Events[i].Identity, wl.Events[i].ID, c.Partition, c.Offset, wl.Events[i+1].ID, l.Partition, l.Offset)
				}
			}
		}
	}
}

// leadsTwice returns the lead ids of wls the fake saved more than once, and fails t for a lead
// never saved.
func leadsTwice(t *testing.T, fake *mykaarmatest.Server, wls ...*workload) []string {
	t.Helper()
	saved := savedLeads(fake)
	var twice []string
	for _, wl := range wls {
		for id := range leadEvents(t, wl) {
			switch n := saved[id]; {
			case n == 0:
				t.Errorf("lead %s was never saved", id)
			case n > 1:
				twice = append(twice, id)
			}
		}
	}
	slices.Sort(twice)
	return twice
}

// checkCustomersOnce fails t unless each workload's department holds one customer per
// identity, and returns how many customers they hold.
func checkCustomersOnce(t *testing.T, fake *mykaarmatest.Server, wls ...*workload) int {
	t.Helper()
	n := 0
	for _, wl := range wls {
		n += checkCustomers(t, fake, wl.Dept, identities(wl.Events))
	}
	return n
}

// resumeDepartment runs `leadworker admin resume --department` against each worker, and fails
// t unless it succeeds on at least one. A worker may answer that the department is not paused
// there (exit 1, "department not paused"): a replica that took over parked partitions learns of
// the pause only when it hands one back.
func resumeDepartment(t *testing.T, dept string, ws ...*workerProc) {
	t.Helper()
	resumed := 0
	for _, w := range ws {
		res := runCLI(t, map[string]string{"ADMIN_ADDR": w.adminAddr(t)}, "admin", "resume", "--department", dept)
		switch {
		case res.Code == 0:
			resumed++
		case res.Code == 1 && strings.Contains(res.Stdout, "department not paused"):
			t.Logf("%s: department %s not paused there", w.name, dept)
		default:
			t.Errorf("%s: leadworker admin resume --department %s: %v; want exit 0, or 1 for a department not paused", w.name, dept, res)
		}
	}
	if resumed == 0 {
		t.Errorf("leadworker admin resume --department %s: paused on none of %d workers; want at least one", dept, len(ws))
	}
}

// departmentsRun is one worker answering three departments' events on topics of its own.
type departmentsRun struct {
	tp        topics
	out       *collector
	parked    *rawCollector
	healthy   []*workload
	forbidden *workload
	w         *workerProc
}

// newDepartmentsRun creates the topics and the events of three departments with n events each.
func newDepartmentsRun(t *testing.T, b *broker, partitions, n int) *departmentsRun {
	t.Helper()
	r := &departmentsRun{tp: newTopics(t, b, partitions)}
	r.out = collect(t, b, r.tp)
	r.parked = collectRaw(t, b, r.tp.Parked)
	r.healthy = []*workload{parkWorkload(t, r.tp, n), parkWorkload(t, r.tp, n)}
	r.forbidden = parkWorkload(t, r.tp, n)
	return r
}

// start starts the worker, waits until it owns partitions, produces the departments' events
// interleaved, and returns when the produce began.
func (r *departmentsRun) start(t *testing.T, b *broker, fake *mykaarmatest.Server, name string, env map[string]string) time.Time {
	t.Helper()
	// 256 in flight: the three departments' 100 ms calls, not the in-flight bound, set the pace.
	extra := map[string]string{"MAX_IN_FLIGHT": "256"}
	for k, v := range env {
		extra[k] = v
	}
	r.w = startWorker(t, name, workerEnv(b, r.tp, fake, parkEnv(extra)))
	waitJoined(t, r.w, 60*time.Second)
	began := time.Now()
	produce(t, b, r.tp.Input, interleave(r.healthy[0], r.forbidden, r.healthy[1]), 60*time.Second)
	return began
}

// departmentOutage makes the fake answer 503 to every call of wl's department and dealer until the
// returned function lifts it.
func departmentOutage(fake *mykaarmatest.Server, wl *workload) (lift func()) {
	dept := fake.AddFault(mykaarmatest.Fault{Department: wl.Dept, Status: http.StatusServiceUnavailable})
	dealer := fake.AddFault(mykaarmatest.Fault{Department: wl.Dealer, Status: http.StatusServiceUnavailable})
	return func() {
		dept()
		dealer()
	}
}

// TestForbiddenDepartmentParkedBuiltWorker: three departments with n events each at 100 ms
// per myKaarma call, one failing every call: a 403 (scope not granted) or a 60-second 503
// outage. The healthy two finish within 1.25× of their time in a run without the fault,
// measured first in this test; the worker stays ready; the failing department's events, and
// only they, are parked, none dead-lettered; the input and route groups commit up to the log
// end within PARK_AFTER + 10 s of the healthy events' answers, and its peak RSS stays within
// the README's memory bound. Once the fault ends (the fake
// grants the scope and `admin resume --department` probes; the outage ends and the worker's
// own probe finds it), every event has exactly one result, each customer's events in order,
// one customer per identity and each lead saved once.
func TestForbiddenDepartmentParkedBuiltWorker(t *testing.T) {
	n, timeout, down := 1000, 120*time.Second, 60*time.Second
	if testing.Short() {
		n, timeout, down = 90, 60*time.Second, 5*time.Second
	}
	b := newBroker(t)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	fake.AddFault(mykaarmatest.Fault{Latency: 100 * time.Millisecond})

	base := newDepartmentsRun(t, b, 3, n)
	began := base.start(t, b, fake, "worker-no-fault", nil)
	base.out.waitAll(t, allIDs(base.healthy...), timeout, base.w)
	noFault := time.Since(began)
	base.w.kill()

	for _, tc := range []struct {
		name  string
		fault func(*mykaarmatest.Server, *workload) func()
		// env: the 403 waits for the operator's probe; the outage's end is found by the
		// worker's own probes.
		env   map[string]string
		until time.Duration // the fault lasts this long from the start; 0: until checked
	}{
		{name: "403", fault: forbid},
		{name: "503 outage", fault: departmentOutage, until: down,
			env: map[string]string{"CIRCUIT_PROBE_MIN_INTERVAL": "1s", "CIRCUIT_PROBE_MAX_INTERVAL": "2s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newDepartmentsRun(t, b, 3, n)
			end := tc.fault(fake, r.forbidden)
			if tc.until > 0 { // the outage ends by itself
				defer time.AfterFunc(tc.until, end).Stop()
			}
			began := r.start(t, b, fake, "worker-"+strings.ReplaceAll(tc.name, " ", "-"), tc.env)
			r.out.waitAll(t, allIDs(r.healthy...), timeout, r.w)
			withFault := time.Since(began)
			answered := time.Now()
			ratio := withFault.Seconds() / noFault.Seconds()
			t.Logf("healthy departments' %d events: %v without a fault, %v with one department failing: %.2f×",
				2*n, noFault.Round(time.Millisecond), withFault.Round(time.Millisecond), ratio)
			if ratio > 1.25 {
				t.Errorf("healthy departments took %.2f× their time without a fault; want at most 1.25×", ratio)
			}

			waitStagesCommitted(t, b, r.tp, true, parkAfter+10*time.Second, r.w)
			t.Logf("input and route groups committed to the log end %v after the healthy events were answered", time.Since(answered).Round(time.Millisecond))
			got := waitParked(t, r.parked, r.tp, r.forbidden, 30*time.Second, r.w)
			checkParkedOnly(t, got, r.forbidden)
			if ready, err := r.w.readyz(t); err != nil || ready.Status != http.StatusOK || ready.PausedDepartments != 1 {
				t.Errorf("/readyz = %+v, %v; want 200 with one paused department", ready, err)
			}
			if _, dlq := r.out.snapshot(); len(dlq) != 0 {
				t.Fatalf("%d dead letters while a department is failing; want none", len(dlq))
			}
			// The failing department's events wait on Kafka, not in memory: the README's bound
			// for the default MAX_BUFFERED_BYTES (64 MiB) holds.
			const mb = 1 << 20
			if hwm, limit := vmHWM(t, r.w), int64(2*64*mb+64*mb); hwm > limit {
				t.Errorf("peak RSS = %d MiB; want at most 2 × MAX_BUFFERED_BYTES + 64 MiB = %d MiB", hwm>>20, limit>>20)
			} else {
				t.Logf("peak RSS %d MiB (bound %d MiB)", hwm>>20, limit>>20)
			}
			if tl := r.out.tally(allIDs(r.forbidden)); len(tl.missing) != n {
				t.Fatalf("%d of the failing department's %d events answered while it fails; want none", n-len(tl.missing), n)
			}

			if tc.until == 0 {
				end()
				resumeDepartment(t, r.forbidden.Dept, r.w)
			}
			all := append(allIDs(r.healthy...), allIDs(r.forbidden)...)
			r.out.waitAll(t, all, timeout, r.w)
			waitStagesCommitted(t, b, r.tp, true, 30*time.Second, r.w)
			tl := checkOnce(t, r.out, all)
			wls := append(slices.Clone(r.healthy), r.forbidden)
			customers := checkCustomersOnce(t, fake, wls...)
			logCounts(t, tl, customers)
			checkIdentityOrder(t, r.out, wls...)
			checkResults(t, r.out)
			if twice := leadsTwice(t, fake, wls...); len(twice) > 0 {
				t.Errorf("%d leads saved twice (%s); want none", len(twice), strings.Join(head(twice, 5), ", "))
			}
			r.w.waitReady(t, 30*time.Second, "no department paused", func(rz readyz) bool { return rz.Status == http.StatusOK && rz.PausedDepartments == 0 })
			r.w.kill()
		})
	}
}

// TestParkedSurvivesKill: a worker is killed with SIGKILL once the forbidden department's
// events have started to be parked, and its successor again once they are being handed back
// (the scope granted, a quarter or more but not all answered). After the last restart every event has an
// output and none is dead-lettered, no customer is created twice, and only a lead in flight
// at a kill (saved, no result yet) may be saved twice.
func TestParkedSurvivesKill(t *testing.T) {
	takeoverTest(t, "two SIGKILLs and their takeovers (about 17 s)")
	const n = 300
	b := newBroker(t)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	fake.AddFault(mykaarmatest.Fault{Latency: 50 * time.Millisecond})
	tp := newTopics(t, b, 3)
	out := collect(t, b, tp)
	parked := collectRaw(t, b, tp.Parked)
	healthy, forbidden := parkWorkload(t, tp, n), parkWorkload(t, tp, n)
	grant := forbid(fake, forbidden)
	env := workerEnv(b, tp, fake, parkEnv(nil))

	w1 := startWorker(t, "worker-1", env)
	produce(t, b, tp.Input, interleave(healthy, forbidden), 60*time.Second)
	// Some events parked, some answered: the kill finds both paths busy.
	parked.wait(t, tp.Parked, 60*time.Second, w1, func(rs []*kgo.Record) error {
		if len(rs) == 0 || len(out.tally(IDs(healthy.Events)).missing) == n {
			return fmt.Errorf("%d parked, %d outputs", len(rs), out.outputs())
		}
		return nil
	})
	killed1 := time.Now()
	w1.kill()
	// The events answered at the first kill: a lead saved before it whose event had none was
	// in flight there (with a deep read-ahead the healthy department may still be draining).
	answered1 := out.tally(allIDs(healthy, forbidden)).byID
	t.Logf("first kill: %d parked records, %d outputs", len(parked.records(tp.Parked)), out.outputs())

	w2 := startWorker(t, "worker-2", env)
	out.waitAll(t, IDs(healthy.Events), 90*time.Second, w2)
	got := waitParked(t, parked, tp, forbidden, 60*time.Second, w2)
	checkParkedOnly(t, got, forbidden)
	if tl := out.tally(IDs(forbidden.Events)); len(tl.missing) != n || tl.deadLetters != 0 {
		t.Fatalf("forbidden department: %d answered, %d dead letters while forbidden; want none", n-len(tl.missing), tl.deadLetters)
	}
	w2.waitReady(t, 30*time.Second, "ready with the department paused", func(r readyz) bool { return r.Status == http.StatusOK && r.PausedDepartments == 1 })

	grant()
	resumeDepartment(t, forbidden.Dept, w2)
	var atKill tally
	if err := testkit.Until(t, 60*time.Second, func() error {
		if w2.exited() {
			return testkit.Stop(errors.New("worker-2 exited: " + w2.exitStatus()))
		}
		atKill = out.tally(IDs(forbidden.Events))
		if done := n - len(atKill.missing); done < n/4 {
			return fmt.Errorf("%d of %d forbidden events answered", done, n)
		}
		return nil
	}); err != nil {
		t.Fatalf("waiting for the parked events to be handed back: %v", err)
	}
	killed := time.Now()
	w2.kill()
	if len(atKill.missing) == 0 {
		t.Fatalf("every parked event was answered before the second kill; want the kill mid-way")
	}
	answered2 := out.tally(allIDs(healthy, forbidden)).byID
	t.Logf("second kill: %d of %d parked events answered", n-len(atKill.missing), n)

	w3 := startWorker(t, "worker-3", env)
	all := append(IDs(healthy.Events), IDs(forbidden.Events)...)
	out.waitAll(t, all, 90*time.Second, w3)
	waitStagesCommitted(t, b, tp, true, 30*time.Second, w3)
	tl := out.tally(all)
	customers := checkCustomersOnce(t, fake, healthy, forbidden)
	logCounts(t, tl, customers)
	if tl.deadLetters != 0 {
		t.Errorf("dead_letters = %d; want 0", tl.deadLetters)
	}
	checkIdentityOrder(t, out, healthy, forbidden)
	checkResults(t, out)
	// Read now, when any save that arrived before a kill has long been recorded.
	inFlight := append(leadsInFlight(t, fake, answered1, killed1, healthy, forbidden), leadsInFlight(t, fake, answered2, killed, healthy, forbidden)...)
	twice := leadsTwice(t, fake, healthy, forbidden)
	t.Logf("leads saved twice: %d (in flight at a kill: %d); duplicate outputs: %d", len(twice), len(inFlight), tl.duplicates)
	for _, id := range twice {
		if !slices.Contains(inFlight, id) {
			t.Errorf("lead %s saved twice; it was not in flight at a kill", id)
		}
	}
}

// TestParkedCoPartitionedAcrossReplicas: three replicas, a forbidden department whose events
// are parked; one replica is killed with SIGKILL and a new one joins. In every generation the
// process stage's group gives each member the same partition ids of the route, bulk route and
// parked topics. Once the scope is granted and each replica probes, every event has exactly one
// result, no customer is created twice and no lead saved twice.
func TestParkedCoPartitionedAcrossReplicas(t *testing.T) {
	takeoverTest(t, "three replicas, a SIGKILL and a session timeout (about 30 s)")
	const partitions, n = 6, 300
	b := newBroker(t)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	fake.AddFault(mykaarmatest.Fault{Latency: 50 * time.Millisecond})
	tp := newTopics(t, b, partitions)
	out := collect(t, b, tp)
	parked := collectRaw(t, b, tp.Parked)
	healthy, forbidden := parkWorkload(t, tp, n), parkWorkload(t, tp, n)
	grant := forbid(fake, forbidden)
	env := workerEnv(b, tp, fake, parkEnv(nil))
	process := tp.Group + ".route"

	ws := []*workerProc{startWorker(t, "replica-a", env), startWorker(t, "replica-b", env), startWorker(t, "replica-c", env)}
	for _, w := range ws {
		waitJoined(t, w, 60*time.Second)
	}
	waitAligned(t, b, process, tp, 3, ws...)
	produce(t, b, tp.Input, interleave(healthy, forbidden), 60*time.Second)
	out.waitAll(t, IDs(healthy.Events), 90*time.Second, ws...)
	waitParked(t, parked, tp, forbidden, 60*time.Second, ws[0])

	ws[1].kill()
	ws = []*workerProc{ws[0], ws[2], startWorker(t, "replica-d", env)}
	waitJoined(t, ws[2], 60*time.Second)
	waitAligned(t, b, process, tp, 3, ws...)
	// The new replica hands back a parked event of partitions it took over, meets the 403 and
	// pauses the department too.
	for _, w := range ws {
		w.waitReady(t, 30*time.Second, "ready with the department paused", func(r readyz) bool { return r.Status == http.StatusOK && r.PausedDepartments == 1 })
	}
	got := parkedIDs(t, parked.records(tp.Parked))
	checkParkedOnly(t, got, forbidden)
	if tl := out.tally(IDs(forbidden.Events)); len(tl.missing) != n || tl.deadLetters != 0 {
		t.Fatalf("forbidden department: %d answered, %d dead letters while forbidden; want none", n-len(tl.missing), tl.deadLetters)
	}

	grant()
	resumeDepartment(t, forbidden.Dept, ws...)
	all := append(IDs(healthy.Events), IDs(forbidden.Events)...)
	out.waitAll(t, all, 90*time.Second, ws...)
	waitStagesCommitted(t, b, tp, true, 30*time.Second, ws...)
	tl := checkOnce(t, out, all)
	customers := checkCustomersOnce(t, fake, healthy, forbidden)
	logCounts(t, tl, customers)
	checkIdentityOrder(t, out, healthy, forbidden)
	checkResults(t, out)
	if twice := leadsTwice(t, fake, healthy, forbidden); len(twice) > 0 {
		t.Errorf("%d leads saved twice (%s); want none", len(twice), strings.Join(head(twice, 5), ", "))
	}
}

// waitAligned waits until group is stable with members members sharing the route topic's
// partitions, and fails t unless each member holds the same partition ids of the bulk route
// and parked topics.
func waitAligned(t *testing.T, b *broker, group string, tp topics, members int, ws ...*workerProc) {
	t.Helper()
	route := waitGroup(t, b, group, tp.Route, tp.Partitions, members, 90*time.Second, ws...)
	bulk := waitGroup(t, b, group, tp.Group+".route.bulk", tp.Partitions, members, 10*time.Second, ws...)
	parked := waitGroup(t, b, group, tp.Parked, tp.Partitions, members, 10*time.Second, ws...)
	t.Logf("group %s: route partitions %v, bulk route partitions %v, parked partitions %v", group, route.Owners, bulk.Owners, parked.Owners)
	for id, ps := range route.Owners {
		if !slices.Equal(ps, parked.Owners[id]) || !slices.Equal(ps, bulk.Owners[id]) {
			t.Errorf("member %s holds route partitions %v, bulk route partitions %v and parked partitions %v; want the same ids", id, ps, bulk.Owners[id], parked.Owners[id])
		}
	}
}

// leadsInFlight returns the leads of wls saved before killed whose events had no output in
// answered (the outputs at the kill).
func leadsInFlight(t *testing.T, fake *mykaarmatest.Server, answered map[string]int, killed time.Time, wls ...*workload) []string {
	t.Helper()
	before := savedLeadsBefore(fake, killed)
	var ids []string
	for _, wl := range wls {
		for id, e := range leadEvents(t, wl) {
			if before[id] > 0 && answered[e.ID] == 0 {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids
}
