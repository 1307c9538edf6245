package integration

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/testkit"
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
	tp.Route = tp.Group + ".route"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := createTopics(ctx, b, partitions, tp.Input, tp.Result, tp.DLQ, tp.Route); err != nil {
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
	if err := testkit.Poll(30*time.Second, func() error {
		if !strings.Contains(w.stderr.String(), "identity routing is off") {
			return fmt.Errorf("no warning yet")
		}
		return nil
	}); err != nil {
		t.Fatalf("no warning of the stranded route records:\n%s", w.stderr.tail(20))
	}
	url := "http://" + w.httpAddr(t) + "/metrics"
	if err := testkit.Poll(30*time.Second, func() error {
		v, err := gauge(url, "leadworker_consumer_lag", "topic", tp.Route)
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

// gauge reads one labelled gauge from a /metrics page.
func gauge(url, name, label, value string) (float64, error) {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", url, err)
	}
	for _, m := range fams[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label && l.GetValue() == value {
				return m.GetGauge().GetValue(), nil
			}
		}
	}
	return 0, fmt.Errorf("%s{%s=%q} not exported", name, label, value)
}

// TestRouteTopicDeletedMakesNotReady: the route topic deleted under a running worker (and
// created again, as an operator or a broker with auto.create.topics.enable would) makes it not
// ready, naming the topic; events routed into the new topic are not passed over unseen. After
// the route group's offsets are reset and the worker restarted, they are answered.
func TestRouteTopicDeletedMakesNotReady(t *testing.T) {
	slow(t, "a topic deleted and created again, two worker runs")
	b := newBroker(t)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	tp := newTopics(t, b, 1)
	env := workerEnv(b, tp, fake, map[string]string{"LAG_INTERVAL": "1s"})
	w := startWorker(t, "worker", env)
	out := collect(t, b, tp)
	first := newWorkload(t, tp, 6)
	produce(t, b, tp.Input, first.Events, 30*time.Second)
	out.waitAll(t, IDs(first.Events), 60*time.Second, w)
	waitRouteDrained(t, b, tp)

	deleteTopic(t, b, tp.Route)
	r := w.waitReady(t, 60*time.Second, "/readyz 503 naming the route topic", func(r readyz) bool {
		return r.Status == http.StatusServiceUnavailable && strings.Contains(r.Reason, tp.Route)
	})
	t.Logf("after the delete: /readyz %d %q", r.Status, r.Reason)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := createTopics(ctx, b, 1, tp.Route); err != nil {
		t.Fatalf("create the route topic again: %v", err)
	}
	second := &workload{Events: newWorkload(t, tp, 12).Events[6:]}
	produce(t, b, tp.Input, second.Events, 30*time.Second)
	r = w.waitReady(t, 60*time.Second, "/readyz 503 after the topic came back", func(r readyz) bool {
		return r.Status == http.StatusServiceUnavailable && strings.Contains(r.Reason, tp.Route) && !strings.Contains(r.Reason, "does not exist")
	})
	t.Logf("after it came back: /readyz %d %q", r.Status, r.Reason)

	if n := len(out.tally(IDs(second.Events)).missing); n != len(second.Events) {
		t.Errorf("%d events routed into the new topic were answered by the worker that read the old one; want none (it must not read the new log from the old position)", len(second.Events)-n)
	}
	w.terminate(t, 60*time.Second)
	commitGroup(t, b, tp.Group+".route", tp.Route, 0)
	w2 := startWorker(t, "worker-2", env)
	out.waitAll(t, IDs(second.Events), 90*time.Second, w2)
	w2.waitReady(t, 60*time.Second, "ready again", isReady)
}

// TestRoutePartitionsAdded: partitions added to the route topic while the worker runs are
// taken up without a restart: every event is answered once, and none is stranded on a new
// partition nobody reads.
func TestRoutePartitionsAdded(t *testing.T) {
	b := newBroker(t)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	tp := newTopics(t, b, 2)
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{"LAG_INTERVAL": "1s"}))
	out := collect(t, b, tp)
	wl := newWorkload(t, tp, 24)
	produce(t, b, tp.Input, wl.Events[:12], 30*time.Second)
	out.waitAll(t, IDs(wl.Events[:12]), 60*time.Second, w)

	c := &kafka.Client{Addr: kafka.TCP(b.addrs...), Timeout: 10 * time.Second}
	res, err := c.CreatePartitions(context.Background(), &kafka.CreatePartitionsRequest{
		Topics: []kafka.TopicPartitionsConfig{{Name: tp.Route, Count: 6}},
	})
	if err != nil || res.Errors[tp.Route] != nil {
		t.Fatalf("add route partitions: %v %v", err, res.Errors[tp.Route])
	}
	held := "route topic partitions changed: routing is held until every replica has stopped routing and the route backlog is 0"
	if err := testkit.Poll(30*time.Second, func() error {
		if w.count(held) == 0 {
			return fmt.Errorf("routing not held yet")
		}
		return nil
	}); err != nil {
		t.Fatalf("the worker did not see the route topic grow: %v", err)
	}
	produce(t, b, tp.Input, wl.Events[12:], 30*time.Second)
	tl := out.waitAll(t, IDs(wl.Events), 90*time.Second, w)
	if tl.duplicates != 0 || tl.deadLetters != 0 {
		t.Errorf("%d duplicates, %d dead letters; want none", tl.duplicates, tl.deadLetters)
	}
	if n := w.count("route backlog drained: routing goes on over the new partition count"); n != 1 {
		t.Errorf("the route stage moved to the new count %d times; want once", n)
	}
}

// deleteTopic deletes topic and waits until the broker no longer lists it.
func deleteTopic(t *testing.T, b *broker, topic string) {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(b.addrs...), Timeout: 10 * time.Second}
	res, err := c.DeleteTopics(context.Background(), &kafka.DeleteTopicsRequest{Topics: []string{topic}})
	if err != nil || res.Errors[topic] != nil {
		t.Fatalf("delete %s: %v %v", topic, err, res.Errors[topic])
	}
	if err := testkit.Poll(30*time.Second, func() error {
		meta, err := c.Metadata(context.Background(), &kafka.MetadataRequest{Topics: []string{topic}})
		if err != nil {
			return err
		}
		for _, tm := range meta.Topics {
			if tm.Name == topic && tm.Error == nil {
				return fmt.Errorf("%s still listed", topic)
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("delete %s: %v", topic, err)
	}
}

// waitRouteDrained waits until the process stage's group has committed everything on the
// route topic.
func waitRouteDrained(t *testing.T, b *broker, tp topics) {
	t.Helper()
	if err := testkit.Poll(30*time.Second, func() error {
		lag, err := groupLag(context.Background(), b, tp.Group+".route", tp.Route, 1)
		if err != nil {
			return err
		}
		if lag != 0 {
			return fmt.Errorf("route lag %d", lag)
		}
		return nil
	}); err != nil {
		t.Fatalf("route backlog not drained: %v", err)
	}
}
