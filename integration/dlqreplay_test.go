package integration

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/leadworker/leadworker/examples"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestDLQReplayCustomTopic dead-letters a valid record myKaarma refuses (400), sent to input
// partition 2 under a key that murmur2 places elsewhere, with KAFKA_DLQ_TOPIC set to a non-default
// name. (A record the schemas refuse would be skipped by replay: it could only be dead-lettered
// again.) `leadworker dlq
// replay --dry-run`, configured only by the worker's environment, must list it from that topic;
// `leadworker dlq replay` must republish its original key and value to partition 2 (its
// source.partition header), not to the key's murmur2 partition, with replay.count 1 and without
// the error headers.
func TestDLQReplayCustomTopic(t *testing.T) {
	b := newBroker(t)
	tp := newTopics(t, b, 3)
	if tp.DLQ == "leadworker.dlq" {
		t.Fatalf("dead-letter topic %q is the default; this test needs another name", tp.DLQ)
	}
	const sourcePart = 2
	s := suffix(t)
	key := ""
	for i := 0; key == ""; i++ {
		if k := fmt.Sprintf("replay-key-%s-%d", s, i); javaPartition([]byte(k), tp.Partitions) != sourcePart {
			key = k
		}
	}
	id := "replay-" + s
	example, err := examples.Events.ReadFile("02-match-customer-key.json")
	if err != nil {
		t.Fatal(err)
	}
	value := bytes.Replace(example, []byte(`"demo-02-customer-key"`), []byte(`"`+id+`"`), 1)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	fake.FailNext(mykaarmatest.OpSearch, 1, 400) // rejected: dead-lettered at once, replayable
	out := collectRaw(t, b, tp.DLQ, tp.Input)
	env := workerEnv(b, tp, fake, nil)
	w := startWorker(t, "worker", env)
	produceRecords(t, b, []*kgo.Record{{Topic: tp.Input, Key: []byte(key), Value: value, Partition: sourcePart}})
	dlq := out.wait(t, tp.DLQ, 60*time.Second, w, atLeast(1))
	if got := headerValue(dlq[0], "source.partition"); got != itoa(sourcePart) {
		t.Fatalf("dead letter source.partition = %q; want %d", got, sourcePart)
	}
	w.terminate(t, 20*time.Second)

	cli := map[string]string{
		"KAFKA_BROKERS":      env["KAFKA_BROKERS"],
		"KAFKA_GROUP_ID":     env["KAFKA_GROUP_ID"],
		"KAFKA_INPUT_TOPICS": env["KAFKA_INPUT_TOPICS"],
		"KAFKA_DLQ_TOPIC":    env["KAFKA_DLQ_TOPIC"],
	}
	dry := runCLI(t, cli, "dlq", "replay", "--dry-run")
	if dry.Code != 0 || !strings.Contains(dry.Stdout, id) || !strings.Contains(dry.Stdout, "replayed=0 skipped=0 matched=1") {
		t.Errorf("leadworker dlq replay --dry-run: %v; want exit 0 listing %s from %s and replayed=0 skipped=0 matched=1", dry, id, tp.DLQ)
	}
	res := runCLI(t, cli, "dlq", "replay")
	if res.Code != 0 || !strings.Contains(res.Stdout, "replayed=1 ") {
		t.Fatalf("leadworker dlq replay: %v; want exit 0 and replayed=1", res)
	}

	replayed := func(rs []*kgo.Record) []*kgo.Record {
		var out []*kgo.Record
		for _, r := range rs {
			if _, ok := headerOf(r, "replay.count"); ok {
				out = append(out, r)
			}
		}
		return out
	}
	in := out.wait(t, tp.Input, 30*time.Second, nil, func(rs []*kgo.Record) error {
		if len(replayed(rs)) == 0 {
			return errors.New("no replayed record on the input topic yet")
		}
		return nil
	})
	rs := replayed(in)
	if len(rs) != 1 {
		t.Fatalf("%d replayed records on the input topic; want 1 (the dry run publishes nothing)", len(rs))
	}
	r := rs[0]
	if r.Partition != sourcePart {
		t.Errorf("replayed to partition %d; want %d (source.partition), not murmur2's %d", r.Partition, sourcePart, javaPartition(r.Key, tp.Partitions))
	}
	if string(r.Key) != key || !bytes.Equal(r.Value, value) {
		t.Errorf("replayed key %q value %q; want the original %q %q", r.Key, r.Value, key, value)
	}
	if got := headerValue(r, "replay.count"); got != "1" {
		t.Errorf("replay.count = %q; want 1", got)
	}
	for _, h := range []string{"error.class", "error.message", "source.partition"} {
		if _, ok := headerOf(r, h); ok {
			t.Errorf("replayed record carries the dead letter's %s header; want only the input's own headers", h)
		}
	}
}
