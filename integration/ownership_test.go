package integration

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// deployment is one leadworker deployment of a test: its own group, input, outputs and (by
// default) route topic <group>.route.
func newDeployment(t *testing.T, b *broker, name string, partitions int) topics {
	t.Helper()
	s := suffix(t)
	tp := topics{
		Input: "it.crm." + name + "." + s, Result: "it.results." + name + "." + s, DLQ: "it.dlq." + name + "." + s,
		Group: "it-" + name + "-" + s, Partitions: partitions,
	}
	tp.Route, tp.Parked = tp.Group+".route", tp.Group+".parked"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := createTopics(ctx, b, partitions, tp.Input, tp.Result, tp.DLQ, tp.Route); err != nil {
		t.Fatalf("create topics: %v", err)
	}
	if err := createSpecs(ctx, b, []topicSpec{parkedSpec(tp.Parked, partitions, nil)}); err != nil {
		t.Fatalf("create topics: %v", err)
	}
	return tp
}

// TestTwoDeploymentsOnOneCluster: two deployments (staging and production on one cluster)
// with the route topic left to its default each get their own route topic, and each answers
// its own five events once: no result of the other's, no lead saved twice.
func TestTwoDeploymentsOnOneCluster(t *testing.T) {
	b := newBroker(t)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	var deps []topics
	var loads []*workload
	for _, name := range []string{"sha", "shb"} {
		tp := newDeployment(t, b, name, 2)
		deps = append(deps, tp)
		startWorker(t, name, workerEnv(b, tp, fake, map[string]string{"KAFKA_ROUTE_TOPIC": ""}))
		loads = append(loads, newWorkload(t, tp, 10))
	}
	for i, tp := range deps {
		produce(t, b, tp.Input, loads[i].Events, 30*time.Second)
	}
	for i, tp := range deps {
		out := collect(t, b, tp)
		tl := out.waitAll(t, IDs(loads[i].Events), 90*time.Second)
		if tl.duplicates != 0 || tl.deadLetters != 0 {
			t.Errorf("%s: %d duplicates, %d dead letters; want none", tp.Group, tl.duplicates, tl.deadLetters)
		}
		mine := map[string]bool{}
		for _, id := range IDs(loads[i].Events) {
			mine[id] = true
		}
		results, _ := out.snapshot()
		for _, r := range results {
			if !mine[r.EventID] {
				t.Errorf("%s: result for %s, an event of the other deployment", tp.Group, r.EventID)
			}
		}
	}
	for id, n := range savedLeads(fake) {
		if n != 1 {
			t.Errorf("lead of %s saved %d times; want once", id, n)
		}
	}
}

// A route topic that another deployment's group still has records to read on refuses to start,
// naming the group; a route record another deployment wrote is dead-lettered as foreign and
// never handled.
func TestSharedRouteTopic(t *testing.T) {
	b := newBroker(t)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	tp := newTopics(t, b, 1)
	other := "it-other-" + suffix(t) + ".route"

	// Another deployment routed a record here and has not read it.
	foreign := newWorkload(t, tp, 1).Events[0]
	produceRecords(t, b, []*kgo.Record{{Topic: tp.Route, Partition: 0, Key: []byte("rk"), Value: foreign.Value, Headers: []kgo.RecordHeader{
		{Key: "leadworker.route.topic", Value: []byte("it.crm.elsewhere")},
		{Key: "leadworker.route.partition", Value: []byte("0")},
		{Key: "leadworker.route.offset", Value: []byte("0")},
		{Key: "leadworker.route.group", Value: []byte(strings.TrimSuffix(other, ".route"))},
	}}})
	commitGroup(t, b, other, tp.Route, 0)
	w := startWorker(t, "worker", workerEnv(b, tp, fake, nil))
	if status := waitExit(t, w, 60*time.Second); status != "exit status 2" {
		t.Errorf("worker ended with %s; want exit status 2", status)
	}
	if out := w.stderr.String(); !strings.Contains(out, other) || !strings.Contains(out, tp.Route) {
		t.Errorf("output does not name the other group %s and the route topic:\n%s", other, w.stderr.tail(10))
	}

	// Once that group is caught up, the worker starts; the foreign record is dead-lettered.
	commitGroup(t, b, other, tp.Route, 1)
	out := collect(t, b, tp)
	w2 := startWorker(t, "worker-2", workerEnv(b, tp, fake, nil))
	out.waitOutputs(t, 1, 60*time.Second)
	_, dlq := out.snapshot()
	if len(dlq) != 1 || dlq[0].Headers["error.class"] != "foreign" {
		t.Fatalf("dead letters = %+v; want the foreign route record, class foreign", dlq)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("myKaarma got %d requests; want none (a foreign record is not handled)", n)
	}
	_ = w2
}

// With identity routing turned off, records left on the route topic are warned of at startup
// and their lag stays reported.
func TestRoutingOffReportsStrandedRoute(t *testing.T) {
	b := newBroker(t)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	tp := newTopics(t, b, 1)
	wl := newWorkload(t, tp, 3)
	var recs []*kgo.Record
	for i, e := range wl.Events {
		recs = append(recs, &kgo.Record{Topic: tp.Route, Partition: 0, Key: []byte(e.Key), Value: e.Value, Headers: []kgo.RecordHeader{
			{Key: "leadworker.route.topic", Value: []byte(tp.Input)},
			{Key: "leadworker.route.partition", Value: []byte("0")},
			{Key: "leadworker.route.offset", Value: []byte(strconv.Itoa(i))},
		}})
	}
	produceRecords(t, b, recs)
	commitGroup(t, b, tp.Group+".route", tp.Route, 0)
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{"IDENTITY_ROUTING": "false", "LAG_INTERVAL": "1s"}))
	if err := testkit.Until(t, 30*time.Second, func() error {
		if !strings.Contains(w.stderr.String(), "identity routing is off") {
			return fmt.Errorf("no warning yet")
		}
		return nil
	}); err != nil {
		t.Fatalf("no warning of the stranded route records:\n%s", w.stderr.tail(20))
	}
	url := "http://" + w.httpAddr(t) + "/metrics"
	if err := testkit.Until(t, 30*time.Second, func() error {
		v, err := metricValue(url, "leadworker_consumer_lag", "topic", tp.Route)
		if err != nil {
			return err
		}
		if v != 3 {
			return fmt.Errorf("lag %v", v)
		}
		return nil
	}); err != nil {
		t.Errorf("leadworker_consumer_lag{topic=%s}: %v; want 3", tp.Route, err)
	}
}

// commitGroup commits offset on partition 0 of topic for group, as an operator's tool does.
func commitGroup(t *testing.T, b *broker, group, topic string, offset int64) {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(b.addrs...), Timeout: 10 * time.Second}
	res, err := c.OffsetCommit(context.Background(), &kafka.OffsetCommitRequest{
		GroupID: group, GenerationID: -1,
		Topics: map[string][]kafka.OffsetCommit{topic: {{Partition: 0, Offset: offset}}},
	})
	if err != nil {
		t.Fatalf("offset commit: %v", err)
	}
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			t.Fatalf("offset commit: %v", p.Error)
		}
	}
}
