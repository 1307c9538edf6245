package integration

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/segmentio/kafka-go"
)

// output is one record the worker wrote to the result or dead-letter topic.
type output struct {
	Topic     string
	Partition int
	Offset    int64
	Key       []byte
	Value     []byte
	Headers   map[string]string
	EventID   string // the result's eventId, or the dead letter's event.id header
	Result    *resultValue
	Time      time.Time // the record's timestamp: when the worker wrote it
}

// resultValue is the part of a result record the tests check.
type resultValue struct {
	EventID        string `json:"eventId"`
	EventType      string `json:"eventType"`
	Outcome        string `json:"outcome"`
	CustomerUUID   string `json:"customerUuid"`
	CustomerAction string `json:"customerAction"`
	Source         struct {
		Topic     string `json:"topic"`
		Partition int    `json:"partition"`
		Offset    int64  `json:"offset"`
	} `json:"source"`
}

// collector reads the result and dead-letter topics from the beginning, without a consumer
// group, for as long as the test runs.
type collector struct {
	mu      sync.Mutex
	results []output
	dlq     []output
	bad     []string // result values that do not parse
}

// collect starts reading every partition of tp's output topics; it stops when t ends.
func collect(t *testing.T, b *broker, tp topics) *collector {
	t.Helper()
	c := &collector{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, topic := range []string{tp.Result, tp.DLQ} {
		for p := range tp.Partitions {
			r := kafka.NewReader(kafka.ReaderConfig{
				Brokers:   b.addrs,
				Topic:     topic,
				Partition: p,
				MinBytes:  1,
				MaxBytes:  10 << 20,
				MaxWait:   200 * time.Millisecond,
			})
			wg.Go(func() {
				defer r.Close()
				for {
					m, err := r.ReadMessage(ctx)
					if ctx.Err() != nil {
						return
					}
					if err != nil {
						_ = pause(ctx, 200*time.Millisecond)
						continue
					}
					c.add(topic == tp.Result, m)
				}
			})
		}
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return c
}

func (c *collector) add(isResult bool, m kafka.Message) {
	o := output{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: m.Key, Value: m.Value, Headers: map[string]string{}, Time: m.Time}
	for _, h := range m.Headers {
		o.Headers[h.Key] = string(h.Value)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !isResult {
		o.EventID = o.Headers["event.id"]
		c.dlq = append(c.dlq, o)
		return
	}
	var r resultValue
	if err := json.Unmarshal(m.Value, &r); err != nil || r.EventID == "" {
		c.bad = append(c.bad, string(m.Value))
		return
	}
	o.Result, o.EventID = &r, r.EventID
	c.results = append(c.results, o)
}

// snapshot returns copies of what has been read so far.
func (c *collector) snapshot() (results, dlq []output) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]output(nil), c.results...), append([]output(nil), c.dlq...)
}

// badValues returns the result values that did not parse.
func (c *collector) badValues() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.bad...)
}

// tally counts outputs per event id.
type tally struct {
	sent, results, deadLetters, duplicates int
	missing                                []string
	byID                                   map[string]int
}

func (c *collector) tally(ids []string) tally {
	results, dlq := c.snapshot()
	tl := tally{sent: len(ids), results: len(results), deadLetters: len(dlq), byID: map[string]int{}}
	for _, o := range append(results, dlq...) {
		tl.byID[o.EventID]++
	}
	for _, n := range tl.byID {
		tl.duplicates += max(n-1, 0)
	}
	for _, id := range ids {
		if tl.byID[id] == 0 {
			tl.missing = append(tl.missing, id)
		}
	}
	sort.Strings(tl.missing)
	return tl
}

// outputs returns how many records have been read from both topics.
func (c *collector) outputs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.results) + len(c.dlq)
}

// logCounts prints the one counts line every test reports.
func logCounts(t *testing.T, tl tally, customers int) {
	t.Helper()
	t.Logf("sent=%d results=%d dead_letters=%d duplicates=%d customers_created=%d",
		tl.sent, tl.results, tl.deadLetters, tl.duplicates, customers)
}

// waitAll polls until every id has at least one output, and fails t with the missing ids when
// timeout passes first.
func (c *collector) waitAll(t *testing.T, ids []string, timeout time.Duration, workers ...*workerProc) tally {
	t.Helper()
	err := testkit.Until(t, timeout, func() error {
		for _, w := range workers {
			if w.exited() {
				return testkit.Stop(errors.New(w.name + " exited: " + w.exitStatus()))
			}
		}
		if tl := c.tally(ids); len(tl.missing) > 0 {
			return errors.New(strings.Join(head(tl.missing, 10), ", "))
		}
		return nil
	})
	tl := c.tally(ids)
	if err != nil {
		t.Fatalf("%d of %d events have no output after %v: %v", len(tl.missing), len(ids), timeout, err)
	}
	return tl
}

// waitOutputs polls until at least n output records exist.
func (c *collector) waitOutputs(t *testing.T, n int, timeout time.Duration) {
	t.Helper()
	if err := testkit.Until(t, timeout, func() error {
		if got := c.outputs(); got < n {
			return errors.New("only " + itoa(got) + " outputs")
		}
		return nil
	}); err != nil {
		t.Fatalf("waiting for %d outputs: %v", n, err)
	}
}

func head(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "...")
	}
	return s
}
