package integration

import (
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestSIGKILLMidStream kills the worker while it is part way through a stream and restarts it:
// nothing is lost (uncommitted records are redelivered) and the redelivered events find the
// customers the first run created instead of creating them again.
func TestSIGKILLMidStream(t *testing.T) {
	takeoverTest(t, "two workers, a SIGKILL and a takeover (about 10 s)")
	b := newBroker(t)
	tp := newTopics(t, b, 4)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	// Slow every call a little so the kill lands mid-stream on any machine.
	fake.AddFault(mykaarmatest.Fault{Latency: 20 * time.Millisecond})
	out := collect(t, b, tp)
	wl := newWorkload(t, tp, 160)
	env := workerEnv(b, tp, fake, map[string]string{"MAX_IN_FLIGHT": "4"})

	first := startWorker(t, "worker-1", env)
	produce(t, b, tp.Input, wl.Events, 30*time.Second)
	out.waitOutputs(t, 30, 60*time.Second)
	first.kill()
	atKill := out.tally(IDs(wl.Events))
	t.Logf("SIGKILL after %d of %d events had an output (%s)", len(wl.Events)-len(atKill.missing), len(wl.Events), first.exitStatus())
	if len(atKill.missing) == 0 {
		t.Errorf("every event had an output before the SIGKILL; the kill did not land mid-stream")
	}

	second := startWorker(t, "worker-2", env)
	tl := out.waitAll(t, IDs(wl.Events), 2*time.Minute, second)
	customers := checkCustomers(t, fake, wl.Dept, identities(wl.Events))
	logCounts(t, tl, customers)
	if tl.deadLetters != 0 {
		t.Errorf("dead_letters = %d; want 0", tl.deadLetters)
	}
	checkResults(t, out)
}

// checkResults fails t for a result whose outcome is not one a valid event can have.
func checkResults(t *testing.T, out *collector) {
	t.Helper()
	results, _ := out.snapshot()
	for _, r := range results {
		switch r.Result.Outcome {
		case "SAVED", "QUEUED", "UNPROCESSED":
		default:
			t.Errorf("result %s: outcome %q; want SAVED, QUEUED or UNPROCESSED", r.EventID, r.Result.Outcome)
		}
	}
	if bad := out.badValues(); len(bad) > 0 {
		t.Errorf("%d result records are not JSON with an eventId, e.g. %q", len(bad), bad[0])
	}
}

// takeoverTest skips a SIGKILL-and-takeover test under -short (why says what it does) and lets
// it run beside the others of its kind: each has its own topics, group and fake, none stops
// the broker, and most of their time is spent waiting for a dead member's session to end.
func takeoverTest(t *testing.T, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: " + why)
	}
	t.Parallel()
}
