package integration

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// waitExit waits for w to exit and returns its status line; it fails t when w is still
// running after within.
func waitExit(t *testing.T, w *workerProc, within time.Duration) string {
	t.Helper()
	select {
	case <-w.done:
	case <-time.After(within):
		t.Fatalf("%s still running after %v; want it to refuse to start and exit", w.name, within)
	}
	return w.exitStatus()
}

// Startup checks that fail exit 2 at once with their message, not after SIGTERM: a route topic
// that compacts, a dead-letter topic sized from the smaller of two inputs, and a
// MAX_BUFFERED_BYTES that cannot hold one fetch of the inputs' records.
func TestStartupRefusesAtOnce(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		name    string
		specs   func(tp topics, second string) []topicSpec
		extra   map[string]string
		wantErr []string // in the worker's output
	}{
		{
			name: "compacted route topic",
			specs: func(tp topics, second string) []topicSpec {
				return []topicSpec{{Name: tp.Route, Partitions: 2, Configs: map[string]string{"cleanup.policy": "compact"}}}
			},
			wantErr: []string{"cleanup.policy=compact", "route"},
		},
		{
			name: "dead-letter topic sized from the smaller input",
			specs: func(tp topics, second string) []topicSpec {
				return []topicSpec{
					{Name: second, Partitions: 2, Configs: map[string]string{"max.message.bytes": strconv.Itoa(5 * mb)}},
					{Name: tp.DLQ, Partitions: 2, Configs: map[string]string{"max.message.bytes": strconv.Itoa(mb + 64<<10)}},
					{Name: tp.Route, Partitions: 2, Configs: map[string]string{"max.message.bytes": strconv.Itoa(5*mb + 64<<10)}},
				}
			},
			wantErr: []string{"dead-letter topic", "below input topic"},
		},
		{
			name: "byte budget below one fetch",
			specs: func(tp topics, second string) []topicSpec {
				big := map[string]string{"max.message.bytes": strconv.Itoa(8 * mb)}
				bigger := map[string]string{"max.message.bytes": strconv.Itoa(8*mb + 64<<10)}
				return []topicSpec{{Name: second, Partitions: 2, Configs: big}, {Name: tp.DLQ, Partitions: 2, Configs: bigger}, {Name: tp.Route, Partitions: 2, Configs: bigger}}
			},
			extra:   map[string]string{"MAX_BUFFERED_BYTES": strconv.Itoa(16 * mb)},
			wantErr: []string{"MAX_BUFFERED_BYTES=16777216", "at least"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBroker(t)
			s := suffix(t)
			tp := topics{Input: "it.crm.events." + s, Result: "it.results." + s, DLQ: "it.dlq." + s, Route: "it.route." + s, Group: "it-leadworker-" + s, Partitions: 2}
			second := "it.crm.more." + s
			specs := map[string]topicSpec{}
			for _, n := range []string{tp.Input, second, tp.Result, tp.DLQ, tp.Route} {
				specs[n] = topicSpec{Name: n, Partitions: 2}
			}
			parked := tp.Group + ".parked"
			specs[parked] = parkedSpec(parked, 2, nil)
			for _, sp := range tt.specs(tp, second) {
				specs[sp.Name] = sp
				if sp.Name == tp.Route && sp.Configs["max.message.bytes"] != "" {
					// The parked topic takes the route topic's limit, as `topics create` does.
					specs[parked] = parkedSpec(parked, sp.Partitions, map[string]string{"max.message.bytes": sp.Configs["max.message.bytes"]})
				}
			}
			var all []topicSpec
			for _, sp := range specs {
				all = append(all, sp)
			}
			createTopicSpecs(t, b, all...)
			fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
			extra := map[string]string{"KAFKA_INPUT_TOPICS": tp.Input + "," + second}
			for k, v := range tt.extra {
				extra[k] = v
			}
			w := startWorker(t, "worker", workerEnv(b, tp, fake, extra))
			if status := waitExit(t, w, 60*time.Second); status != "exit status 2" {
				t.Errorf("worker ended with %s; want exit status 2", status)
			}
			out := w.stderr.String()
			for _, want := range tt.wantErr {
				if !strings.Contains(out, want) {
					t.Errorf("output does not say %q:\n%s", want, w.stderr.tail(20))
				}
			}
		})
	}
}

// TestMemoryBoundWithLargeRecords: thirty 7.5 MB records on an input topic that allows 8 MiB,
// with MAX_BUFFERED_BYTES=40 MiB and both stages. Every fetch takes its room from the budget
// before it is sent, and asks for no more than responses hold decompressed, so the worker's
// peak RSS stays within the README's bound: 2 × MAX_BUFFERED_BYTES (what the budget holds, and
// the collector's slack over it) plus 64 MiB for the process. With kafka-go's Reader, which
// prefetched outside the budget, the same run peaked at 206 MiB.
func TestMemoryBoundWithLargeRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("produces 225 MB")
	}
	const (
		mb      = 1 << 20
		records = 30
		size    = 7_500_000
		budget  = 40 * mb
	)
	b := newBroker(t)
	s := suffix(t)
	tp := topics{Input: "it.crm.events." + s, Result: "it.results." + s, DLQ: "it.dlq." + s, Route: "it.route." + s, Group: "it-leadworker-" + s, Partitions: 2}
	big := map[string]string{"max.message.bytes": strconv.Itoa(8 * mb)}
	bigger := map[string]string{"max.message.bytes": strconv.Itoa(8*mb + 64<<10)}
	createTopicSpecs(t, b,
		topicSpec{Name: tp.Input, Partitions: 2, Configs: big},
		topicSpec{Name: tp.Result, Partitions: 2},
		topicSpec{Name: tp.DLQ, Partitions: 2, Configs: bigger},
		topicSpec{Name: tp.Route, Partitions: 2, Configs: bigger},
		parkedSpec(tp.Group+".parked", 2, bigger),
	)
	value := []byte(strings.Repeat("{", size)) // not JSON: dead-lettered whole
	var recs []*kgo.Record
	for i := range records {
		recs = append(recs, &kgo.Record{Topic: tp.Input, Key: []byte("big-" + strconv.Itoa(i)), Value: value, Partition: int32(i % 2)})
	}
	produceLarge(t, b, recs)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	out := collectRaw(t, b, tp.DLQ)
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{
		"MAX_BUFFERED_BYTES":    strconv.Itoa(budget),
		"MAX_RECORD_BYTES":      strconv.Itoa(8 * mb),
		"DLQ_FLOOD_CONSECUTIVE": "0", // every record here is invalid on purpose
		"GODEBUG":               os.Getenv("LW_IT_GODEBUG"), "LW_DEBUG_HEAP": "/tmp/heap.prof",
	}))
	out.wait(t, tp.DLQ, 3*time.Minute, w, atLeast(records))
	hwm := vmHWM(t, w)
	limit := int64(2*budget + 64*mb)
	t.Logf("peak RSS %d MiB with MAX_BUFFERED_BYTES %d MiB (bound %d MiB)", hwm>>20, budget>>20, limit>>20)
	if hwm > limit {
		t.Errorf("peak RSS = %d MiB; want at most 2 × MAX_BUFFERED_BYTES + 64 MiB = %d MiB", hwm>>20, limit>>20)
	}
}

// vmHWM is w's peak resident set size, from /proc.
func vmHWM(t *testing.T, w *workerProc) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(w.cmd.Process.Pid) + "/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", f[1], err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// produceLarge writes recs, each up to 8 MiB, to their partitions.
func produceLarge(t *testing.T, b *broker, recs []*kgo.Record) {
	t.Helper()
	cl := newKgo(t, b,
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchMaxBytes(8<<20),
		kgo.ProducerLinger(0),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce %d records: %v", len(recs), err)
	}
}
