package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// kcatRecord is one line of `kcat -C -J`.
type kcatRecord struct {
	Topic     string   `json:"topic"`
	Partition int      `json:"partition"`
	Offset    int64    `json:"offset"`
	Key       *string  `json:"key"`
	Payload   *string  `json:"payload"`
	Headers   []string `json:"headers"` // name, value, name, value...
}

func (r kcatRecord) header(name string) string {
	for i := 0; i+1 < len(r.Headers); i += 2 {
		if r.Headers[i] == name {
			return r.Headers[i+1]
		}
	}
	return ""
}

// TestKcatBlackBox drives the worker only with kcat, a client that shares no code with it
// (librdkafka): kcat produces key:value lines and reads the result and dead-letter topics back.
func TestKcatBlackBox(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skip("kcat is not on PATH (Debian package kcat); skipping the black-box check")
	}
	b := newBroker(t)
	tp := newTopics(t, b, 3)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	wl := newWorkload(t, tp, 40)
	w := startWorker(t, "worker", workerEnv(b, tp, fake, nil))

	var in bytes.Buffer
	for _, e := range wl.Events {
		fmt.Fprintf(&in, "%s:%s\n", e.Key, e.Value)
	}
	bad := map[string]string{ // key -> what error.message must mention
		"kcat-bad-1": "not JSON",
		"kcat-bad-2": "/eventType: missing property",
	}
	in.WriteString("kcat-bad-1:this is not json\n")
	in.WriteString(`kcat-bad-2:{"eventId":"kcat-bad-2","occurredAt":"2024-06-08T11:00:00Z","departmentUuid":"d","customer":{"lastName":"X"}}` + "\n")
	sent := len(wl.Events) + len(bad)

	p := exec.Command(kcat, "-b", b.String(), "-P", "-t", tp.Input, "-K:", "-X", "acks=all")
	p.Stdin = &in
	if outb, err := p.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P: %v\n%s", err, outb)
	}

	var results, dlq []kcatRecord
	err = testkit.Until(t, 90*time.Second, func() error {
		if w.exited() {
			return testkit.Stop(fmt.Errorf("worker exited: %s", w.exitStatus()))
		}
		var err error
		if results, err = kcatConsume(kcat, b.String(), tp.Result); err != nil {
			return err
		}
		if dlq, err = kcatConsume(kcat, b.String(), tp.DLQ); err != nil {
			return err
		}
		if len(results) < len(wl.Events) || len(dlq) < len(bad) {
			return fmt.Errorf("kcat read %d results and %d dead letters", len(results), len(dlq))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("waiting for outputs through kcat: %v", err)
	}

	want := map[string]bool{}
	for _, e := range wl.Events {
		want[e.ID] = true
	}
	seen := map[string]int{}
	for _, r := range results {
		var v resultValue
		if r.Payload == nil || json.Unmarshal([]byte(*r.Payload), &v) != nil {
			t.Errorf("result %s/%d@%d is not JSON: %v", r.Topic, r.Partition, r.Offset, r.Payload)
			continue
		}
		seen[v.EventID]++
		if !want[v.EventID] {
			t.Errorf("result for unknown event %q", v.EventID)
		}
		if v.Outcome != "SAVED" && v.Outcome != "QUEUED" && v.Outcome != "UNPROCESSED" {
			t.Errorf("result %s: outcome %q", v.EventID, v.Outcome)
		}
		if r.Key == nil || !strings.HasPrefix(*r.Key, "CK-") {
			t.Errorf("result %s: key %v; want the input's key", v.EventID, r.Key)
		}
	}
	for _, d := range dlq {
		if d.Key == nil {
			t.Errorf("dead letter without key at offset %d", d.Offset)
			continue
		}
		k := *d.Key
		seen[k]++
		mention, ok := bad[k]
		switch {
		case !ok:
			t.Errorf("unexpected dead letter with key %q: %s", k, d.header("error.message"))
		case d.header("error.class") != "invalid":
			t.Errorf("dead letter %s: error.class = %q; want invalid", k, d.header("error.class"))
		case !strings.Contains(d.header("error.message"), mention):
			t.Errorf("dead letter %s: error.message = %q; want it to mention %q", k, d.header("error.message"), mention)
		}
	}
	tl := tally{sent: sent, results: len(results), deadLetters: len(dlq)}
	for _, n := range seen {
		tl.duplicates += max(n-1, 0)
	}
	customers := checkCustomers(t, fake, wl.Dept, identities(wl.Events))
	logCounts(t, tl, customers)
	if len(seen) != sent {
		t.Errorf("%d distinct events have outputs; want %d", len(seen), sent)
	}
}

// kcatConsume reads a whole topic with `kcat -C -e -J`.
func kcatConsume(kcat, brokers, topic string) ([]kcatRecord, error) {
	var stderr bytes.Buffer
	c := exec.Command(kcat, "-b", brokers, "-C", "-t", topic, "-o", "beginning", "-e", "-J", "-q")
	c.Stderr = &stderr
	outb, err := c.Output()
	if err != nil {
		return nil, fmt.Errorf("kcat -C %s: %v: %s", topic, err, stderr.String())
	}
	var recs []kcatRecord
	sc := bufio.NewScanner(bytes.NewReader(outb))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r kcatRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("kcat -J line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs, sc.Err()
}
