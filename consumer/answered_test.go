package consumer

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// crashHandler echoes a value as its result, dead-letters values starting
// with "dl-" and, while blocking is set, holds values starting with "block-"
// until its context ends (a record in flight at a crash: no output).
type crashHandler struct {
	blocking bool
	entered  atomic.Int64
	mu       sync.Mutex
	calls    map[string]int
}

func (h *crashHandler) Handle(ctx context.Context, m *Message) (Outcome, error) {
	v := string(m.Value)
	if h.blocking && strings.HasPrefix(v, "block-") {
		h.entered.Add(1)
		<-ctx.Done()
		return Outcome{}, ctx.Err()
	}
	h.mu.Lock()
	if h.calls == nil {
		h.calls = map[string]int{}
	}
	h.calls[v]++
	h.mu.Unlock()
	if strings.HasPrefix(v, "dl-") {
		return Outcome{DeadLetter: letter("rejected", "no")}, nil
	}
	return Outcome{Result: m.Value}, nil
}

func (h *crashHandler) handled() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for k, v := range h.calls {
		out[k] = v
	}
	return out
}

// ends returns the sum of the end offsets of topic's partitions: how many
// records it holds.
func ends(t *testing.T, addr, topic string) int64 {
	t.Helper()
	var req []kafka.OffsetRequest
	for _, p := range partitionsOf(t, addr, topic) {
		req = append(req, kafka.LastOffsetOf(p.ID))
	}
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 5 * time.Second}
	res, err := c.ListOffsets(context.Background(), &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: req}})
	if err != nil {
		t.Fatalf("list offsets: %v", err)
	}
	var n int64
	for _, p := range res.Topics[topic] {
		n += p.LastOffset
	}
	return n
}

// commitControl makes the broker refuse every offset commit while refuse is
// set (a crash between writing outputs and committing them), and rewrites
// the metadata of the commits it lets through with tamper, if set.
type commitControl struct {
	refuse atomic.Bool
	tamper func(string) string
}

func (cc *commitControl) install(c *kfake.Cluster) {
	c.ControlKey(int16(kmsg.OffsetCommit), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		r := req.(*kmsg.OffsetCommitRequest)
		if !cc.refuse.Load() {
			for i := range r.Topics {
				for j := range r.Topics[i].Partitions {
					p := &r.Topics[i].Partitions[j]
					if cc.tamper != nil && p.Metadata != nil {
						md := cc.tamper(*p.Metadata)
						p.Metadata = &md
					}
				}
			}
			return nil, nil, false
		}
		resp := r.ResponseKind().(*kmsg.OffsetCommitResponse)
		for _, t := range r.Topics {
			rt := kmsg.NewOffsetCommitResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewOffsetCommitResponseTopicPartition()
				rp.Partition = p.Partition
				rp.ErrorCode = kerr.CoordinatorNotAvailable.Code
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil, true
	})
}

// crash is a run of two consumers of one group: the first handles and
// commits 10 records, then (commits refused from here on) answers 8 with a
// result and 2 with a dead letter and holds 3 without output, and is stopped;
// the second consumer then takes over.
type crash struct {
	second  *crashHandler
	stats   Stats
	results int64 // records on the result topic at the end
	dlq     int64
	log     *test.Hook
}

func runCrash(t *testing.T, group string, tamper func(string) string, second func(*Options)) crash {
	t.Helper()
	cluster, addr := newCluster(t, 2, inTopic, outTopic, dlqTopic)
	cc := &commitControl{tamper: tamper}
	cc.install(cluster)
	msgs := func(prefix string, n int) []kafka.Message {
		var out []kafka.Message
		for i := range n {
			v := fmt.Sprintf("%s%d", prefix, i)
			out = append(out, kafka.Message{Key: []byte("key-" + v), Value: []byte(v)})
		}
		return out
	}
	produce(t, addr, inTopic, msgs("first-", 10)...)
	h1 := &crashHandler{blocking: true}
	opts := baseOptions(addr, group, h1)
	opts.DrainTimeout = 300 * time.Millisecond // the held records are abandoned, as in a crash
	r1 := start(t, opts)
	testkit.WaitFor(t, 30*time.Second, "first records committed", func() bool { return sum(committed(t, addr, group, inTopic)) == 10 })

	cc.refuse.Store(true)
	produce(t, addr, inTopic, append(append(msgs("answered-", 8), msgs("dl-", 2)...), msgs("block-", 3)...)...)
	testkit.WaitFor(t, 30*time.Second, "answered records written and held records in flight", func() bool {
		return ends(t, addr, outTopic) == 18 && ends(t, addr, dlqTopic) == 2 && h1.entered.Load() == 3
	})
	r1.stop(t)
	if got := sum(committed(t, addr, group, inTopic)); got != 10 {
		t.Fatalf("committed = %d after the simulated crash; want 10", got)
	}

	cc.refuse.Store(false)
	h2 := &crashHandler{}
	opts = baseOptions(addr, group, h2)
	logger, hook := test.NewNullLogger()
	logger.SetLevel(logrus.InfoLevel)
	opts.Logger = logger
	if second != nil {
		second(&opts)
	}
	r2 := start(t, opts)
	testkit.WaitFor(t, 30*time.Second, "every record committed", func() bool { return sum(committed(t, addr, group, inTopic)) == 23 })
	out := crash{second: h2, stats: r2.c.Stats(), log: hook}
	r2.stop(t)
	// Outputs are acknowledged before their offsets are committed: all are there.
	out.results, out.dlq = ends(t, addr, outTopic), ends(t, addr, dlqTopic)
	return out
}

func TestAnsweredRecordsAreNotHandledAgainAfterACrash(t *testing.T) {
	t.Parallel()
	got := runCrash(t, "g-answered", nil, nil)
	handled := got.second.handled()
	if len(handled) != 3 {
		t.Errorf("second consumer handled %v; want only block-0..2", handled)
	}
	for v, n := range handled {
		if !strings.HasPrefix(v, "block-") || n != 1 {
			t.Errorf("second consumer handled %q %d times; want only the held records, once", v, n)
		}
	}
	if got.stats.SkippedAnswered != 10 {
		t.Errorf("Stats().SkippedAnswered = %d; want 10 (8 results, 2 dead letters)", got.stats.SkippedAnswered)
	}
	if got.results != 21 || got.dlq != 2 {
		t.Errorf("outputs = %d results, %d dead letters; want 21 and 2 (no second output)", got.results, got.dlq)
	}
	var logged int64
	for _, e := range got.log.AllEntries() {
		if e.Message == "skipped answered" {
			logged += e.Data["skipped"].(int64)
		}
	}
	if logged != 10 {
		t.Errorf(`"skipped answered" log lines count %d; want 10`, logged)
	}
}

func TestAnsweredWorkHandledAgainWithoutUsablePositions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		tamper    func(string) string
		opts      func(*Options)
		fallbacks int64
	}{
		{name: "no metadata", tamper: func(string) string { return "" }},
		{name: "another version", tamper: func(string) string { return "lw9;whatever" }},
		{name: "damaged", tamper: func(md string) string { return md + ",x" }, fallbacks: 2},
		{name: "window over the record cap", opts: func(o *Options) { o.AnsweredScanMaxRecords = 5 }, fallbacks: 1},
		{name: "scan disabled", opts: func(o *Options) { o.AnsweredScanMaxRecords = -1 }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runCrash(t, fmt.Sprintf("g-fallback-%d", i), tt.tamper, tt.opts)
			if n := len(got.second.handled()); n != 13 {
				t.Errorf("second consumer handled %d records; want all 13 uncommitted", n)
			}
			if got.stats.SkippedAnswered != 0 || got.stats.AnsweredScanFallbacks != tt.fallbacks {
				t.Errorf("Stats() skipped %d, fallbacks %d; want 0, %d", got.stats.SkippedAnswered, got.stats.AnsweredScanFallbacks, tt.fallbacks)
			}
			if got.results != 29 || got.dlq != 4 {
				t.Errorf("outputs = %d results, %d dead letters; want 29 and 4", got.results, got.dlq)
			}
		})
	}
}
