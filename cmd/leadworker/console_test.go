package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// consoleCluster is an embedded broker with the worker's four topics (three
// partitions each) and the environment that names it.
func consoleCluster(t *testing.T) (map[string]string, *kgo.Client) {
	t.Helper()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1),
		kfake.SeedTopics(3, "crm.events", "leadworker.route", "leadworker.results", "leadworker.dlq"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return map[string]string{"KAFKA_BROKERS": strings.Join(cluster.ListenAddrs(), ",")}, cl
}

// TestProduceSamples: produce without files sends the ten examples, each
// keyed by its eventId (else its file name) to the partition murmur2 picks,
// and says where each went.
func TestProduceSamples(t *testing.T) {
	env, cl := consoleCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	if code := produceCommand(ctx, nil, strings.NewReader(""), &out, &errOut, lookupFrom(env)); code != 0 {
		t.Fatalf("produce = %d\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "sent 10 records to crm.events") {
		t.Errorf("produce printed:\n%s", out.String())
	}
	cl.AddConsumeTopics("crm.events")
	got := map[string]int32{}
	for len(got) < 10 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read back %d of 10 records", len(got))
		}
		fs.EachRecord(func(r *kgo.Record) { got[string(r.Key)] = r.Partition })
	}
	for key, p := range got {
		want := kafka.Murmur2Balancer{}.Balance(kafka.Message{Key: []byte(key)}, 0, 1, 2)
		if int(p) != want {
			t.Errorf("key %s on partition %d; murmur2 (the Java client's partitioner) puts it on %d", key, p, want)
		}
		line := regexp.MustCompile(`(?m)^\S+\s+` + regexp.QuoteMeta(key) + `\s+` + strconv.Itoa(want) + `\s+\d+$`)
		if !line.MatchString(out.String()) {
			t.Errorf("produce's listing has no line for %s on partition %d:\n%s", key, want, out.String())
		}
	}
	for _, key := range []string{"demo-01-new-customer", "08-not-json.txt"} {
		if _, ok := got[key]; !ok {
			t.Errorf("no record keyed %s; have %v", key, got)
		}
	}
}

// TestProduceFilesAndStdin: each file is one record; "-" is one record per
// non-empty line, keyed by its eventId or unkeyed; --header goes on each.
func TestProduceFilesAndStdin(t *testing.T) {
	env, cl := consoleCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	file := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(file, []byte("{\"eventId\":\"from-file\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdin := strings.NewReader("{\"eventId\":\"line-1\"}\r\n\n  \nnot json\n")
	var out, errOut bytes.Buffer
	args := []string{"--header", "traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", file, "-"}
	if code := produceCommand(ctx, args, stdin, &out, &errOut, lookupFrom(env)); code != 0 {
		t.Fatalf("produce = %d\n%s%s", code, out.String(), errOut.String())
	}
	cl.AddConsumeTopics("crm.events")
	var recs []*kgo.Record
	for len(recs) < 3 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read back %d of 3 records", len(recs))
		}
		recs = append(recs, fs.Records()...)
	}
	byValue := map[string]*kgo.Record{}
	for _, r := range recs {
		byValue[string(r.Value)] = r
		if len(r.Headers) != 1 || r.Headers[0].Key != "traceparent" {
			t.Errorf("record %q headers %v; want the traceparent", r.Value, r.Headers)
		}
	}
	for value, key := range map[string]string{"{\"eventId\":\"from-file\"}\n": "from-file", `{"eventId":"line-1"}`: "line-1", "not json": ""} {
		r, ok := byValue[value]
		switch {
		case !ok:
			t.Errorf("no record %q; have %v", value, byValue)
		case key == "" && r.Key != nil:
			t.Errorf("record %q key %q; want none", value, r.Key)
		case key != "" && string(r.Key) != key:
			t.Errorf("record %q key %q; want %q", value, r.Key, key)
		}
	}
}

// outputRecord is a result or dead letter as the worker writes it.
func outputRecord(topic, id string, partition int32, at time.Time) *kgo.Record {
	if topic == "leadworker.dlq" {
		return &kgo.Record{Topic: topic, Partition: partition, Key: []byte(id), Value: []byte("not json"), Timestamp: at,
			Headers: []kgo.RecordHeader{{Key: "error.class", Value: []byte("invalid")}, {Key: "error.message", Value: []byte("not JSON")},
				{Key: "attempts", Value: []byte("1")}, {Key: "event.id", Value: []byte(id)}}}
	}
	v := fmt.Sprintf(`{"eventId":%q,"eventType":"lead","outcome":"QUEUED","customerUuid":"u-%s","customerAction":"created","matchRule":"none",`+
		`"warnings":[{"source":"mykaarma-customer","code":"W1"},{"source":"mykaarma-lead","code":"W1"}],"attempts":1}`, id, id)
	return &kgo.Record{Topic: topic, Partition: partition, Key: []byte(id), Value: []byte(v), Timestamp: at}
}

// TestTail: tail -n N prints the last N outputs of both topics by time,
// oldest first, as one table; --follow then prints each new one until
// interrupted.
func TestTail(t *testing.T) {
	env, cl := consoleCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	if err := cl.ProduceSync(ctx,
		outputRecord("leadworker.results", "ev-1", 0, t0),
		outputRecord("leadworker.results", "ev-2", 1, t0.Add(time.Second)),
		outputRecord("leadworker.dlq", "ev-3", 2, t0.Add(2*time.Second)),
		outputRecord("leadworker.results", "ev-4", 0, t0.Add(3*time.Second)),
	).FirstErr(); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := tailCommand(ctx, []string{"-n", "3"}, &out, &errOut, lookupFrom(env)); code != 0 {
		t.Fatalf("tail = %d\n%s%s", code, out.String(), errOut.String())
	}
	want := regexp.MustCompile(`^TIME +EVENT +TYPE +OUTCOME +CUSTOMER +RULE +ATTEMPTS +CUSTOMER UUID +WARNINGS / ERROR\n` +
		`09:00:01\.000 +ev-2 +lead +QUEUED +created +none +1 +u-ev-2 +W1\n` +
		`09:00:02\.000 +ev-3 +- +DEAD_LETTER +- +- +1 +- +invalid: not JSON\n` +
		`09:00:03\.000 +ev-4 +lead +QUEUED +created +none +1 +u-ev-4 +W1\n$`)
	if !want.MatchString(out.String()) {
		t.Errorf("tail -n 3 printed:\n%s\nwant the last three by time, one table (%s)", out.String(), want)
	}

	// --follow: the last one, then new ones as they come, until cancelled.
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	var mu sync.Mutex
	var live bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return live.Write(p) })
	done := make(chan int, 1)
	go func() {
		done <- tailCommand(fctx, []string{"-n", "1", "--follow", "--headers"}, w, &errOut, lookupFrom(env))
	}()
	printed := func(s string) bool { mu.Lock(); defer mu.Unlock(); return strings.Contains(live.String(), s) }
	testkit.WaitFor(t, 20*time.Second, "the backlog row", func() bool { return printed("ev-4") })
	if err := cl.ProduceSync(ctx, outputRecord("leadworker.dlq", "ev-5", 0, time.Now())).FirstErr(); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 20*time.Second, "the new dead letter and its headers", func() bool { return printed("ev-5") && printed("error.class       invalid") })
	stop()
	if code := <-done; code != 0 {
		t.Errorf("tail --follow after interrupt = %d; want 0 (%s)", code, errOut.String())
	}
	if printed("ev-2") {
		t.Errorf("tail -n 1 --follow printed more than the last one:\n%s", live.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestTailWithoutOutputs says so instead of printing an empty table.
func TestTailWithoutOutputs(t *testing.T) {
	env, _ := consoleCluster(t)
	var out, errOut bytes.Buffer
	if code := tailCommand(context.Background(), nil, &out, &errOut, lookupFrom(env)); code != 0 {
		t.Fatalf("tail = %d: %s", code, errOut.String())
	}
	if out.String() != "no outputs on leadworker.results or leadworker.dlq\n" {
		t.Errorf("tail printed %q", out.String())
	}
}
