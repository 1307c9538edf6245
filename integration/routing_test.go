package integration

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestTwoReplicasCreateEachCustomerOnce sends 50 new customers (30 with a customerKey, 20
// matched only by last name and phone) twice each, at the same moment, under two Kafka keys
// that land on input partitions owned by different replicas. With identity routing both
// copies reach one replica's process stage, so every customer is created once, and every event
// is answered exactly once.
func TestTwoReplicasCreateEachCustomerOnce(t *testing.T) {
	tl, twice := runTwins(t, true)
	if len(twice) > 0 {
		t.Errorf("%d of 50 customers created more than once: %v", len(twice), head(twice, 10))
	}
	if tl.duplicates != 0 {
		t.Errorf("duplicates = %d; want 0 (no crash, no rebalance)", tl.duplicates)
	}
	if tl.deadLetters != 0 {
		t.Errorf("dead_letters = %d; want 0", tl.deadLetters)
	}
}

// TestTwoReplicasWithoutRoutingCreateTwice is TestTwoReplicasCreateEachCustomerOnce with
// IDENTITY_ROUTING=false: it shows that the scenario does race, so that the routed test can
// fail. It runs only with LEADWORKER_IT_ROUTING_OFF=1.
func TestTwoReplicasWithoutRoutingCreateTwice(t *testing.T) {
	if os.Getenv("LEADWORKER_IT_ROUTING_OFF") != "1" {
		t.Skip("set LEADWORKER_IT_ROUTING_OFF=1 to run the scenario without identity routing")
	}
	tl, twice := runTwins(t, false)
	t.Logf("without routing: %d of 50 customers created more than once: %v", len(twice), twice)
	if len(twice) == 0 {
		t.Errorf("no customer created twice without routing; the scenario does not race, and TestTwoReplicasCreateEachCustomerOnce proves nothing")
	}
	if tl.deadLetters != 0 {
		t.Errorf("dead_letters = %d; want 0", tl.deadLetters)
	}
}

// runTwins runs the twin scenario on two replicas with routing on or off and returns the
// outputs and the customers created more than once, once every stage has committed all it
// read (so no later output or create can change them).
func runTwins(t *testing.T, routing bool) (tally, []string) {
	t.Helper()
	rs := startReplicas(t, routing, 50*time.Millisecond, nil)
	tw := rs.twins(t, 50, 30)
	produceMurmur2(t, rs.b, rs.tp.Input, tw.Events, 30*time.Second)
	rs.out.waitAll(t, IDs(tw.Events), 60*time.Second, rs.a, rs.b2)
	rs.waitCommitted(t, 60*time.Second, rs.a, rs.b2)
	tl := rs.out.tally(IDs(tw.Events))
	rs.checkPlacement(t, tw)
	twice := createdTwice(t, rs.fake, tw.Dept, tw.Events)
	logCounts(t, tl, len(rs.fake.Customers(tw.Dept)))
	checkResults(t, rs.out)
	return tl, twice
}

// TestTwoReplicasSIGKILLCreateEachCustomerOnce is the twin scenario with one replica killed
// after about half of the outputs and restarted: nothing is lost and no customer is created
// twice, although records of both stages are redelivered.
func TestTwoReplicasSIGKILLCreateEachCustomerOnce(t *testing.T) {
	takeoverTest(t, "two replicas, a SIGKILL and a takeover (about 8 s)")
	rs := startReplicas(t, true, 20*time.Millisecond, map[string]string{"MAX_IN_FLIGHT": "2"})
	tw := rs.twins(t, 50, 30)
	ids := IDs(tw.Events)
	produceMurmur2(t, rs.b, rs.tp.Input, tw.Events, 30*time.Second)
	rs.out.waitOutputs(t, len(ids)/2, 60*time.Second)
	victim, survivor, pending := rs.busyProcessStage(t, 30*time.Second)
	victim.kill()
	atKill := rs.out.tally(ids)
	t.Logf("SIGKILL %s (processed=%d), its process stage holding %d uncommitted records, after %d of %d events had an output (%s)",
		victim.name, victim.count("processed"), pending, len(ids)-len(atKill.missing), len(ids), victim.exitStatus())
	if len(atKill.missing) == 0 {
		t.Errorf("every event had an output before the SIGKILL; the kill did not land mid-stream")
	}

	again := startWorker(t, victim.name+"-restarted", rs.env)
	rs.out.waitAll(t, ids, 2*time.Minute, again, survivor)
	rs.waitCommitted(t, 60*time.Second, again, survivor)
	tl := rs.out.tally(ids)
	twice := createdTwice(t, rs.fake, tw.Dept, tw.Events)
	logCounts(t, tl, len(rs.fake.Customers(tw.Dept)))
	if len(twice) > 0 {
		t.Errorf("%d of 50 customers created more than once: %v", len(twice), head(twice, 10))
	}
	if tl.deadLetters != 0 {
		t.Errorf("dead_letters = %d; want 0", tl.deadLetters)
	}
	checkResults(t, rs.out)
}

// busyProcessStage waits until the process stage of one of the two replicas owns partitions
// with uncommitted records, and returns that replica, the other one and how many
// records they are.
func (rs *replicas) busyProcessStage(t *testing.T, timeout time.Duration) (busy, other *workerProc, pending int64) {
	t.Helper()
	err := testkit.Until(t, timeout, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		group, topic := rs.processStage()
		v, err := describeGroup(ctx, rs.b, group, topic)
		if err != nil {
			return err
		}
		lags, err := partitionLag(ctx, rs.b, group, topic, rs.tp.Partitions)
		if err != nil {
			return err
		}
		busy, other, pending = nil, nil, 0
		for i, w := range []*workerProc{rs.a, rs.b2} {
			var n int64
			for _, p := range v.Owners[memberID(w, "process")] {
				n += lags[p]
			}
			if n > pending {
				busy, other, pending = w, []*workerProc{rs.b2, rs.a}[i], n
			}
		}
		if busy == nil {
			return fmt.Errorf("no process stage has uncommitted records: lag by partition %v, owners %v", lags, v.Owners)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("waiting for a process stage with work in flight: %v", err)
	}
	return busy, other, pending
}

// replicas are two `leadworker run` processes in one group, both joined, and what they share.
type replicas struct {
	b     *broker
	tp    topics
	fake  *mykaarmatest.Server
	out   *collector
	env   map[string]string
	a, b2 *workerProc
	// input is the input topic's assignment once both replicas joined: the route stage's
	// with identity routing, the process stage's without.
	input   groupView
	routing bool
}

// startReplicas starts two replicas on a 6-partition input topic with every myKaarma call
// slowed by latency, and waits until both are ready and every stage's group is stable with
// both of them in it.
func startReplicas(t *testing.T, routing bool, latency time.Duration, extra map[string]string) *replicas {
	t.Helper()
	rs := &replicas{b: newBroker(t), routing: routing}
	rs.tp = newTopics(t, rs.b, 6)
	rs.fake = mykaarmatest.NewServer(t, mykaarmatest.Options{})
	rs.fake.AddFault(mykaarmatest.Fault{Latency: latency})
	rs.out = collect(t, rs.b, rs.tp)
	env := map[string]string{"IDENTITY_ROUTING": strconv.FormatBool(routing)}
	for k, v := range extra {
		env[k] = v
	}
	rs.env = workerEnv(rs.b, rs.tp, rs.fake, env)
	rs.a = startWorker(t, "replica-a", rs.env)
	rs.b2 = startWorker(t, "replica-b", rs.env)
	for _, w := range []*workerProc{rs.a, rs.b2} {
		waitJoined(t, w, 60*time.Second)
	}
	rs.input = rs.waitGroups(t, 2, 60*time.Second, rs.a, rs.b2)
	return rs
}

// waitGroups waits until every stage's group has members members sharing all partitions and
// returns the input topic's assignment.
func (rs *replicas) waitGroups(t *testing.T, members int, timeout time.Duration, alive ...*workerProc) groupView {
	t.Helper()
	v := waitGroup(t, rs.b, rs.tp.Group, rs.tp.Input, rs.tp.Partitions, members, timeout, alive...)
	if rs.routing {
		waitGroup(t, rs.b, rs.tp.Group+".route", rs.tp.Route, rs.tp.Partitions, members, timeout, alive...)
	}
	return v
}

// twins makes n twin customers, keyed of them with a customerKey, whose two copies land on
// partitions of different members of rs.input, spread over each member's partitions.
func (rs *replicas) twins(t *testing.T, n, keyed int) *twins {
	t.Helper()
	var members []string
	for id := range rs.input.Owners {
		members = append(members, id)
	}
	slices.Sort(members)
	if len(members) != 2 {
		t.Fatalf("input group has members %v; want 2", rs.input.Owners)
	}
	place := func(i, nth int) int {
		ps := rs.input.Owners[members[(i+nth)%2]]
		return ps[(i/2)%len(ps)]
	}
	tw := newTwins(t, n, keyed, rs.tp.Partitions, place)
	t.Logf("input partitions by member: %v; copies of each customer go to both", rs.input.Owners)
	return tw
}

// checkPlacement fails t unless each event's result names the input partition murmur2 placed
// it on, and the two copies of each customer came from partitions of different members.
func (rs *replicas) checkPlacement(t *testing.T, tw *twins) {
	t.Helper()
	owner := map[int]string{}
	for id, ps := range rs.input.Owners {
		for _, p := range ps {
			owner[p] = id
		}
	}
	results, _ := rs.out.snapshot()
	from := map[string]int{}
	for _, r := range results {
		from[r.EventID] = r.Result.Source.Partition
	}
	for i := 0; i+1 < len(tw.Events); i += 2 {
		e, f := tw.Events[i], tw.Events[i+1]
		for _, x := range []event{e, f} {
			if p, ok := from[x.ID]; ok && p != x.Partition {
				t.Errorf("event %s (key %q) came from partition %d; want %d (murmur2)", x.ID, x.Key, p, x.Partition)
			}
		}
		if owner[e.Partition] == owner[f.Partition] {
			t.Errorf("both copies of %s are on partitions %d and %d of one member", e.Identity, e.Partition, f.Partition)
		}
	}
}

// processStage is the group and topic of the stage that calls myKaarma: the route topic's with
// identity routing, else the input topic's.
func (rs *replicas) processStage() (group, topic string) {
	if rs.routing {
		return rs.tp.Group + ".route", rs.tp.Route
	}
	return rs.tp.Group, rs.tp.Input
}

// waitCommitted waits until every stage's group has committed everything on its topic, so
// that no redelivery can still produce an output or create a customer.
func (rs *replicas) waitCommitted(t *testing.T, timeout time.Duration, alive ...*workerProc) {
	t.Helper()
	waitStagesCommitted(t, rs.b, rs.tp, rs.routing, timeout, alive...) // reset_test.go
}
