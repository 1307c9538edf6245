package integration

import (
	"strconv"
	"strings"
	"testing"
	"time"

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
			for _, sp := range tt.specs(tp, second) {
				specs[sp.Name] = sp
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
