package consumer

import (
	"context"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

func TestResultsWrittenAndCommitted(t *testing.T) {
	t.Parallel()
	_, addr := newCluster(t, 3, inTopic, outTopic, dlqTopic)
	produce(t, addr, inTopic, keyed(60, 7)...)
	h := newEcho()
	r := start(t, baseOptions(addr, "g-basic", h))
	testkit.WaitFor(t, 30*time.Second, "all offsets committed", func() bool { return sum(committed(t, addr, "g-basic", inTopic)) == 60 })
	got := readAll(t, addr, outTopic, 60, 10*time.Second)
	if len(got) != 60 {
		t.Fatalf("results = %d; want 60", len(got))
	}
	if h.distinct() != 60 {
		t.Errorf("handled %d distinct records; want 60", h.distinct())
	}
	for _, m := range got {
		if !strings.HasPrefix(string(m.Key), "k") {
			t.Errorf("result key = %q; want the input key", m.Key)
		}
	}
	r.stop(t)
}

func TestOutputFailureLeavesOffsetUncommitted(t *testing.T) {
	t.Parallel()
	_, addr := newCluster(t, 1, inTopic, outTopic, dlqTopic)
	logger, hook := test.NewNullLogger()
	opts := baseOptions(addr, "g-outfail", newEcho())
	opts.Logger = logger
	r := start(t, opts)
	testkit.WaitFor(t, 30*time.Second, "joined", r.c.Joined)

	// The result topic goes away after the join, so every result write
	// fails until it is created again.
	conn, err := kafka.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.DeleteTopics(outTopic); err != nil {
		t.Fatalf("delete topic: %v", err)
	}
	produce(t, addr, inTopic, keyed(5, 5)...)

	failures := func() int {
		n := 0
		for _, e := range hook.AllEntries() {
			if e.Level == logrus.ErrorLevel && strings.Contains(e.Message, "output write failed") {
				n++
			}
		}
		return n
	}
	testkit.WaitFor(t, 30*time.Second, "repeated output failures", func() bool { return failures() >= 10 })
	if got := sum(committed(t, addr, "g-outfail", inTopic)); got != 0 {
		t.Fatalf("committed = %d while every output write fails; want 0", got)
	}
	f := r.c.Stats().OutputFailing
	if len(f) != 5 || f[0].Topic != outTopic || f[0].Input != inTopic || f[0].Error == "" || f[0].Since.IsZero() {
		t.Errorf("Stats().OutputFailing = %+v; want the 5 records failing to write to %s", f, outTopic)
	}

	if err := conn.CreateTopics(kafka.TopicConfig{Topic: outTopic, NumPartitions: 1, ReplicationFactor: 1}); err != nil {
		t.Fatalf("create topic: %v", err)
	}
	testkit.WaitFor(t, 30*time.Second, "commit after the topic exists", func() bool { return sum(committed(t, addr, "g-outfail", inTopic)) == 5 })
	if got := readAll(t, addr, outTopic, 5, 10*time.Second); len(got) < 5 {
		t.Errorf("results = %d; want 5", len(got))
	}
	if f := r.c.Stats().OutputFailing; len(f) != 0 {
		t.Errorf("Stats().OutputFailing = %+v after writes succeed; want none", f)
	}
}

func TestRestartResumesWhereTheGroupLeftOff(t *testing.T) {
	t.Parallel()
	_, addr := newCluster(t, 2, inTopic, outTopic, dlqTopic)
	produce(t, addr, inTopic, keyed(20, 4)...)
	first := newEcho()
	r := start(t, baseOptions(addr, "g-restart", first))
	testkit.WaitFor(t, 30*time.Second, "first batch committed", func() bool { return sum(committed(t, addr, "g-restart", inTopic)) == 20 })
	r.stop(t)

	var more []kafka.Message
	for i := 0; i < 10; i++ {
		more = append(more, kafka.Message{Key: []byte("k" + strconv.Itoa(i)), Value: []byte("second-" + strconv.Itoa(i))})
	}
	produce(t, addr, inTopic, more...)
	second := newEcho()
	r = start(t, baseOptions(addr, "g-restart", second))
	testkit.WaitFor(t, 30*time.Second, "second batch committed", func() bool { return sum(committed(t, addr, "g-restart", inTopic)) == 30 })
	r.stop(t)

	second.mu.Lock()
	defer second.mu.Unlock()
	for v := range second.calls {
		if !strings.HasPrefix(v, "second-") {
			t.Errorf("restarted worker handled %q again; want only new records", v)
		}
	}
	if len(second.calls) != 10 {
		t.Errorf("restarted worker handled %d records; want 10", len(second.calls))
	}
}

// gate is a handler that blocks on chosen values until released.
type gate struct {
	echo    *echo
	block   map[string]bool
	entered chan string
	release chan struct{}
}

func (g *gate) Handle(ctx context.Context, m *Message) (Outcome, error) {
	if g.block[string(m.Value)] {
		g.entered <- string(m.Value)
		select {
		case <-g.release:
		case <-ctx.Done():
			return Outcome{}, ctx.Err()
		}
	}
	return g.echo.Handle(ctx, m)
}

func TestShutdownFinishesInFlightWork(t *testing.T) {
	t.Parallel()
	_, addr := newCluster(t, 1, inTopic, outTopic, dlqTopic)
	produce(t, addr, inTopic, kafka.Message{Key: []byte("a"), Value: []byte("slow")})
	g := &gate{echo: newEcho(), block: map[string]bool{"slow": true}, entered: make(chan string, 1), release: make(chan struct{})}
	r := start(t, baseOptions(addr, "g-shutdown", g))
	select {
	case <-g.entered:
	case <-time.After(30 * time.Second):
		t.Fatal("handler never called")
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		r.stop(t)
	}()
	close(g.release) // the record finishes after shutdown began
	<-stopped
	if got := committed(t, addr, "g-shutdown", inTopic)[0]; got != 1 {
		t.Errorf("committed = %d after graceful shutdown; want 1", got)
	}
	if got := readAll(t, addr, outTopic, 1, 10*time.Second); len(got) != 1 || string(got[0].Value) != "slow" {
		t.Errorf("results = %v; want the in-flight record's result", got)
	}
}

func TestCommitNeverPassesAnUnfinishedRecord(t *testing.T) {
	t.Parallel()
	_, addr := newCluster(t, 1, inTopic, outTopic, dlqTopic)
	var msgs []kafka.Message
	for i := 0; i < 10; i++ {
		msgs = append(msgs, kafka.Message{Key: []byte("k" + strconv.Itoa(i)), Value: []byte("v" + strconv.Itoa(i))})
	}
	produce(t, addr, inTopic, msgs...)

	g := &gate{echo: newEcho(), block: map[string]bool{"v3": true}, entered: make(chan string, 1), release: make(chan struct{})}
	opts := baseOptions(addr, "g-crash", g)
	opts.DrainTimeout = 200 * time.Millisecond // the stuck record is abandoned, as in a crash
	r := start(t, opts)
	testkit.WaitFor(t, 30*time.Second, "every other record handled", func() bool { return g.echo.distinct() == 9 })
	// Give the committer several chances to (wrongly) pass offset 3.
	testkit.WaitFor(t, 30*time.Second, "results of the others written", func() bool { return len(readAll(t, addr, outTopic, 9, time.Second)) == 9 })
	testkit.WaitFor(t, 30*time.Second, "offsets 0-2 committed", func() bool { return committed(t, addr, "g-crash", inTopic)[0] == 3 })
	time.Sleep(5 * opts.CommitInterval) // not synchronisation: lets wrong commits happen if they would
	if got := committed(t, addr, "g-crash", inTopic)[0]; got != 3 {
		t.Fatalf("committed = %d with offset 3 unfinished; want 3", got)
	}
	r.stop(t)
	if got := committed(t, addr, "g-crash", inTopic)[0]; got != 3 {
		t.Fatalf("committed = %d after abandoning offset 3; want 3", got)
	}

	again := newEcho()
	r = start(t, baseOptions(addr, "g-crash", again))
	testkit.WaitFor(t, 30*time.Second, "redelivered records committed", func() bool { return committed(t, addr, "g-crash", inTopic)[0] == 10 })
	skipped := r.c.Stats().SkippedAnswered
	r.stop(t)
	again.mu.Lock()
	defer again.mu.Unlock()
	if again.calls["v3"] != 1 {
		t.Errorf("v3 handled %d times after restart; want 1", again.calls["v3"])
	}
	// Offsets 4 to 9 come again too, but their results are on Kafka already
	// (answered.go): only v3 is handled.
	if len(again.calls) != 1 || skipped != 6 {
		t.Errorf("restart handled %d records and skipped %d as answered; want v3 handled and the 6 after it skipped", len(again.calls), skipped)
	}
}

// orderRecorder handles records with random delays and records, per key, the
// sequence numbers in the order it handled them.
type orderRecorder struct {
	mu     sync.Mutex
	seen   map[string][]int
	active map[string]int
	racing atomic.Bool
}

func (o *orderRecorder) Handle(_ context.Context, m *Message) (Outcome, error) {
	key := string(m.Key)
	o.mu.Lock()
	o.active[key]++
	if o.active[key] > 1 {
		o.racing.Store(true)
	}
	o.mu.Unlock()
	time.Sleep(time.Duration(rand.Intn(3)) * time.Millisecond) // simulated work, not synchronisation
	n, _ := strconv.Atoi(strings.TrimPrefix(string(m.Value), "v"))
	o.mu.Lock()
	o.seen[key] = append(o.seen[key], n)
	o.active[key]--
	o.mu.Unlock()
	return Outcome{Result: m.Value}, nil
}

func TestKeyOrderUnderConcurrency(t *testing.T) {
	t.Parallel()
	_, addr := newCluster(t, 4, inTopic, outTopic, dlqTopic)
	const n, keys = 400, 20
	produce(t, addr, inTopic, keyed(n, keys)...)
	o := &orderRecorder{seen: map[string][]int{}, active: map[string]int{}}
	opts := baseOptions(addr, "g-order", o)
	opts.MaxInFlight = 64
	r := start(t, opts)
	testkit.WaitFor(t, 60*time.Second, "all committed", func() bool { return sum(committed(t, addr, "g-order", inTopic)) == n })
	r.stop(t)
	if o.racing.Load() {
		t.Error("two records of one key were handled at the same time")
	}
	total := 0
	for key, seq := range o.seen {
		total += len(seq)
		for i := 1; i < len(seq); i++ {
			if seq[i] <= seq[i-1] {
				t.Errorf("key %s handled %v; want increasing", key, seq)
				break
			}
		}
	}
	if total != n {
		t.Errorf("handled %d; want %d", total, n)
	}
}

func TestRebalanceLosesNothing(t *testing.T) {
	t.Parallel()
	_, addr := newCluster(t, 6, inTopic, outTopic, dlqTopic)
	const n = 600
	produce(t, addr, inTopic, keyed(n/2, 50)...)
	a, b := newEcho(), newEcho()
	slow := func(e *echo) HandlerFunc {
		return func(ctx context.Context, m *Message) (Outcome, error) {
			time.Sleep(2 * time.Millisecond) // simulated work, not synchronisation
			return e.Handle(ctx, m)
		}
	}
	ra := start(t, baseOptions(addr, "g-rebalance", slow(a)))
	testkit.WaitFor(t, 30*time.Second, "first member working", func() bool { return a.distinct() > 20 })
	rb := start(t, baseOptions(addr, "g-rebalance", slow(b)))
	testkit.WaitFor(t, 30*time.Second, "second member owns partitions", func() bool { return rb.c.Stats().Partitions > 0 })
	var rest []kafka.Message
	for i := n / 2; i < n; i++ {
		rest = append(rest, kafka.Message{Key: []byte(fmt.Sprintf("k%d", i%50)), Value: []byte(fmt.Sprintf("v%d", i))})
	}
	produce(t, addr, inTopic, rest...)
	testkit.WaitFor(t, 30*time.Second, "second member working", func() bool { return b.distinct() > 0 })
	ra.stop(t) // the first member leaves under load
	testkit.WaitFor(t, 60*time.Second, "all committed", func() bool { return sum(committed(t, addr, "g-rebalance", inTopic)) == n })
	rb.stop(t)

	results := readAll(t, addr, outTopic, n, 20*time.Second)
	seen := map[string]int{}
	for _, m := range results {
		seen[string(m.Value)]++
	}
	if len(seen) != n {
		t.Errorf("distinct results = %d; want %d", len(seen), n)
	}
	t.Logf("sent=%d results=%d distinct=%d duplicates=%d", n, len(results), len(seen), len(results)-len(seen))
}

// A dead letter is the input's key and value untouched, the input's headers
// but those the letter owns or sets, the letter's headers, and the source
// headers of the input's position and stamp.
func TestDeadLetterRecord(t *testing.T) {
	t.Parallel()
	_, addr := newCluster(t, 1, inTopic, outTopic, dlqTopic)
	produce(t, addr, inTopic,
		kafka.Message{Key: []byte("k1"), Value: []byte("refused"), Headers: []kafka.Header{
			{Key: "trace", Value: []byte("t1")},
			{Key: headerClass, Value: []byte("old")},
			{Key: "error.step", Value: []byte("old step")},
			{Key: "replay.count", Value: []byte("1")},
			{Key: HeaderSourceTopic, Value: []byte("stale")},
		}},
	)
	h := HandlerFunc(func(_ context.Context, m *Message) (Outcome, error) {
		return Outcome{DeadLetter: letter("rejected", "myKaarma refused it")}, nil
	})
	start(t, baseOptions(addr, "g-dlq", h))
	got := readAll(t, addr, dlqTopic, 1, 30*time.Second)
	if len(got) != 1 {
		t.Fatalf("dead letters = %d; want 1", len(got))
	}
	if string(got[0].Value) != "refused" || string(got[0].Key) != "k1" {
		t.Errorf("dead letter %q: %q; want the original key and bytes", got[0].Key, got[0].Value)
	}
	h1 := map[string][]string{}
	for _, x := range got[0].Headers {
		h1[x.Key] = append(h1[x.Key], string(x.Value))
	}
	want := map[string]string{
		headerClass: "rejected", headerMsg: "myKaarma refused it", HeaderSourceTopic: inTopic,
		HeaderSourcePart: "0", HeaderSourceOffset: "0", "trace": "t1", "replay.count": "1",
	}
	for k, v := range want {
		if got := h1[k]; len(got) != 1 || got[0] != v {
			t.Errorf("header %s = %q; want exactly [%q]", k, got, v)
		}
	}
	if s, ok := h1["error.step"]; ok {
		t.Errorf("error.step = %q; want the input's own left out", s)
	}
}

func TestOptionsValidate(t *testing.T) {
	h := newEcho()
	tests := []struct {
		name    string
		mutate  func(*Options)
		wantErr string
	}{
		{name: "ok", mutate: func(*Options) {}},
		{name: "no brokers", mutate: func(o *Options) { o.Brokers = nil }, wantErr: "no brokers"},
		{name: "no group", mutate: func(o *Options) { o.GroupID = "" }, wantErr: "no group id"},
		{name: "input is output", mutate: func(o *Options) { o.Topics = []string{outTopic} }, wantErr: "also an output topic"},
		{name: "no handler", mutate: func(o *Options) { o.Handler = nil }, wantErr: "no handler"},
		{name: "drain too long", mutate: func(o *Options) { o.DrainTimeout = time.Minute }, wantErr: "below the rebalance timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := baseOptions("127.0.0.1:1", "g", h)
			tt.mutate(&o)
			_, err := New(o)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("New() error = %v; want %q", err, tt.wantErr)
			}
		})
	}
}
