package integration

import (
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestTestcontainersBroker exercises the Docker path of the broker helper whatever the
// environment says: it starts (or reuses) the testcontainers Kafka container and runs a small
// stream through the worker. Without a Docker API it skips (fails with
// LEADWORKER_REQUIRE_CONTAINERS=1).
func TestTestcontainersBroker(t *testing.T) {
	b := containerBroker(t)
	t.Logf("broker: %s %s", b.kind, b)
	tp := newTopics(t, b, 3)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	out := collect(t, b, tp)
	wl := newWorkload(t, tp, 20)
	w := startWorker(t, "worker", workerEnv(b, tp, fake, nil))
	produce(t, b, tp.Input, wl.Events, 60*time.Second)
	tl := out.waitAll(t, IDs(wl.Events), 2*time.Minute, w)
	customers := checkCustomers(t, fake, wl.Dept, identities(wl.Events))
	logCounts(t, tl, customers)
	checkResults(t, out)
}
