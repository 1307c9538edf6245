package integration

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// topicsMissingMsg is the worker's log line for each check that found topics missing.
const topicsMissingMsg = "topics do not exist; staying out of the consumer group until they do"

// TestMissingResultTopicNotReadyUntilCreated starts the worker with KAFKA_RESULT_TOPIC naming a
// topic that does not exist: /readyz answers 503 naming it, `leadworker probe ready` exits 1
// (probe alive 0), and the topic is still missing after several checks. Once the test creates
// it, /readyz turns 200, probe ready exits 0, and events get results.
func TestMissingResultTopicNotReadyUntilCreated(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: waits out the topic check interval (about 6 s)")
	}
	b := newBroker(t)
	s := suffix(t)
	tp := topics{Input: "it.crm.events." + s, Result: "it.results.missing." + s, DLQ: "it.dlq." + s, Route: "it.route." + s, Group: "it-leadworker-" + s, Partitions: 1}
	createTopicSpecs(t, b, topicSpec{Name: tp.Input, Partitions: 1}, topicSpec{Name: tp.DLQ, Partitions: 1}, topicSpec{Name: tp.Route, Partitions: 1}, parkedSpec(tp.Group+".parked", 1, nil))
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	w := startWorker(t, "worker", workerEnv(b, tp, fake, nil))

	r := w.waitReady(t, 30*time.Second, "/readyz 503 naming the missing result topic", func(r readyz) bool {
		return r.Status == http.StatusServiceUnavailable && strings.Contains(r.Reason, tp.Result)
	})
	t.Logf("while missing: /readyz %d %q", r.Status, r.Reason)
	if strings.Contains(r.Reason, tp.Input) || strings.Contains(r.Reason, tp.DLQ) {
		t.Errorf("/readyz reason %q names a topic that exists", r.Reason)
	}
	probeEnv := map[string]string{"HTTP_ADDR": w.httpAddr(t)}
	if res := runCLI(t, probeEnv, "probe", "ready"); res.Code != 1 {
		t.Errorf("leadworker probe ready while not ready: %v; want exit 1", res)
	}
	if res := runCLI(t, probeEnv, "probe", "alive"); res.Code != 0 {
		t.Errorf("leadworker probe alive while not ready: %v; want exit 0", res)
	}
	waitLogCount(t, w, topicsMissingMsg, 3, 30*time.Second)
	if topicExists(t, b, tp.Result) {
		t.Fatalf("result topic %s exists after the worker's checks; want the worker never to create it", tp.Result)
	}

	createTopicSpecs(t, b, topicSpec{Name: tp.Result, Partitions: 1})
	w.waitReady(t, 30*time.Second, "/readyz 200 once the result topic exists", isReady)
	if res := runCLI(t, probeEnv, "probe", "ready"); res.Code != 0 {
		t.Errorf("leadworker probe ready when ready: %v; want exit 0", res)
	}
	out := collectRaw(t, b, tp.Result)
	wl := newWorkload(t, tp, 4)
	produceRecords(t, b, withTopic(toRecords(wl.Events, 0), tp.Input))
	out.wait(t, tp.Result, 60*time.Second, w, resultsFor(IDs(wl.Events)))
}

// TestMissingInputTopicNotAutoCreated starts the worker on a broker that creates topics on
// demand (Kafka's default auto.create.topics.enable=true; the embedded broker with
// AllowAutoTopicCreation) with an input topic that does not exist. The worker must report it
// missing and must not create it by asking for its metadata or partitions: a topic created that
// way gets the broker's default partition count, not the one the operator would choose.
func TestMissingInputTopicNotAutoCreated(t *testing.T) {
	b := newBroker(t, kfake.AllowAutoTopicCreation())
	s := suffix(t)
	canary := "it.canary." + s
	// Kafka creates the topic asynchronously: ask until it shows up.
	if err := testkit.Until(t, 10*time.Second, func() error {
		if !metadataHas(t, b, canary, true) {
			return errors.New("canary topic not created")
		}
		return nil
	}); err != nil {
		t.Skipf("broker %s does not create topics on demand (auto.create.topics.enable=false): nothing to prove", b)
	}
	tp := topics{Input: "it.crm.events.missing." + s, Result: "it.results." + s, DLQ: "it.dlq." + s, Route: "it.route." + s, Group: "it-leadworker-" + s, Partitions: 1}
	createTopicSpecs(t, b, topicSpec{Name: tp.Result, Partitions: 1}, topicSpec{Name: tp.DLQ, Partitions: 1}, topicSpec{Name: tp.Route, Partitions: 1}, parkedSpec(tp.Group+".parked", 1, nil))
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{"LAG_INTERVAL": "1s"}))

	r := w.waitReady(t, 30*time.Second, "/readyz 503 naming the missing input topic", func(r readyz) bool {
		return isReady(r) || r.Status == http.StatusServiceUnavailable && strings.Contains(r.Reason, tp.Input)
	})
	if isReady(r) {
		t.Fatalf("worker ready with %d partitions while input topic %s was never created (exists now: %v); want 503 naming it",
			r.Partitions, tp.Input, topicExists(t, b, tp.Input))
	}
	t.Logf("while missing: /readyz %d %q", r.Status, r.Reason)
	// Several checks and several lag probes (LAG_INTERVAL=1s, its floor) have run by now.
	waitLogCount(t, w, topicsMissingMsg, 4, 30*time.Second)
	if topicExists(t, b, tp.Input) {
		t.Fatalf("input topic %s exists; want the worker never to create it (broker auto-creation is on)", tp.Input)
	}
	if r, err := w.readyz(t); err != nil || r.Ready || !strings.Contains(r.Reason, tp.Input) {
		t.Errorf("/readyz = %+v, %v; want still 503 naming %s", r, err, tp.Input)
	}
}

// waitLogCount waits until w has logged msg at least n times.
func waitLogCount(t *testing.T, w *workerProc, msg string, n int, timeout time.Duration) {
	t.Helper()
	err := testkit.Until(t, timeout, func() error {
		if w.exited() {
			return testkit.Stop(fmt.Errorf("%s exited: %s", w.name, w.exitStatus()))
		}
		if got := w.count(msg); got < n {
			return errors.New(itoa(got) + " log lines " + fmt.Sprintf("%q", msg))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: waiting for %d: %v", w.name, n, err)
	}
}
