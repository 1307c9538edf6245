package integration

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// outage is how long TestBrokerOutage keeps the broker down: a deliberate outage, not a wait
// for a condition.
const outage = 20 * time.Second

// TestBrokerOutage stops the external broker for 20 s in the middle of a stream and starts it
// again: the same worker process recovers by itself and every event gets an output.
func TestBrokerOutage(t *testing.T) {
	script := os.Getenv("LEADWORKER_IT_KAFKA_SCRIPT")
	if script == "" {
		t.Skip("LEADWORKER_IT_KAFKA_SCRIPT is not set: this test stops and starts the external broker " +
			"with scripts/kafka-local.sh (CI sets it; locally: LEADWORKER_IT_KAFKA_SCRIPT=$PWD/scripts/kafka-local.sh " +
			"with LEADWORKER_IT_BROKERS from `scripts/kafka-local.sh start`)")
	}
	if os.Getenv("LEADWORKER_IT_BROKERS") == "" {
		t.Skip("LEADWORKER_IT_KAFKA_SCRIPT is set but LEADWORKER_IT_BROKERS is not: the outage test needs the external broker that script runs")
	}
	b := newBroker(t)
	tp := newTopics(t, b, 3)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	fake.AddFault(mykaarmatest.Fault{Latency: 20 * time.Millisecond})
	out := collect(t, b, tp)
	wl := newWorkload(t, tp, 100)
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{"MAX_IN_FLIGHT": "4", "LAG_INTERVAL": "2s"}))
	pid := w.cmd.Process.Pid

	produce(t, b, tp.Input, wl.Events[:60], 30*time.Second)
	out.waitOutputs(t, 20, 60*time.Second)

	down := true
	kafkaScript(t, script, "stop")
	t.Cleanup(func() { // later tests need the broker even if this one fails mid-outage
		if down {
			kafkaScript(t, script, "start")
		}
	})
	stopped := time.Now()
	t.Logf("broker stopped after %d outputs; keeping it down for %v", out.outputs(), outage)
	sawUnready := false
	ctx, cancel := context.WithTimeout(context.Background(), outage)
	for ctx.Err() == nil {
		if w.exited() {
			cancel()
			t.Fatalf("worker exited during the broker outage: %s", w.exitStatus())
		}
		if r, err := w.readyz(t); err == nil && !r.Ready {
			sawUnready = true
		}
		_ = pause(ctx, 500*time.Millisecond)
	}
	cancel()
	kafkaScript(t, script, "start")
	down = false
	t.Logf("broker back after %v; /readyz reported not ready during the outage: %v", time.Since(stopped).Round(time.Second), sawUnready)
	if !sawUnready {
		t.Error("/readyz answered 200 throughout a 20s broker outage; want 503 while Kafka does not answer")
	}

	produce(t, b, tp.Input, wl.Events[60:], 60*time.Second)
	tl := out.waitAll(t, IDs(wl.Events), 3*time.Minute, w)
	customers := checkCustomers(t, fake, wl.Dept, identities(wl.Events))
	logCounts(t, tl, customers)
	if tl.deadLetters != 0 {
		t.Errorf("dead_letters = %d; want 0", tl.deadLetters)
	}
	checkResults(t, out)
	if w.exited() || w.cmd.Process.Pid != pid {
		t.Errorf("worker did not survive the outage (%s); want the same process to recover", w.exitStatus())
	}
	w.waitReady(t, 60*time.Second, "/readyz 200 after the outage", isReady)
}

// kafkaScript runs scripts/kafka-local.sh with cmd (start or stop).
func kafkaScript(t *testing.T, script, cmd string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, script, cmd)
	outb, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", script, cmd, err, outb)
	}
	lines := strings.Split(strings.TrimSpace(string(outb)), "\n")
	t.Logf("%s %s: %s", script, cmd, lines[len(lines)-1])
}
