package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/schemas"
)

// The tests of this file read outputs with kgo (raw_test.go) to see bytes exactly.

// Topic limits of TestLargeInvalidRecordDeadLetteredWhole: the input allows about 1.1 MB and
// the dead-letter topic 64 KiB more, as README's topic setup asks.
const (
	largeInputLimit = 1_153_434 // 1.1 MiB
	largeDLQLimit   = largeInputLimit + 64<<10
	largeValueBytes = 1_048_376 // under MAX_RECORD_BYTES' default 1 MiB; with headers, over it
)

// toRecords turns workload events into kgo records for partition p.
func toRecords(evs []event, p int32) []*kgo.Record {
	var out []*kgo.Record
	for _, e := range evs {
		out = append(out, &kgo.Record{Topic: "", Key: []byte(e.Key), Value: e.Value, Partition: p})
	}
	return out
}

func withTopic(recs []*kgo.Record, topic string) []*kgo.Record {
	for _, r := range recs {
		r.Topic = topic
	}
	return recs
}

// decodeResults parses result records; a value that does not parse fails t.
func decodeResults(t *testing.T, rs []*kgo.Record) map[string]schemas.Result {
	t.Helper()
	out := map[string]schemas.Result{}
	for _, r := range rs {
		var v schemas.Result
		if err := json.Unmarshal(r.Value, &v); err != nil || v.EventID == "" {
			t.Fatalf("result at %s/%d@%d is not a result: %v %q", r.Topic, r.Partition, r.Offset, err, r.Value)
		}
		out[v.EventID] = v
	}
	return out
}

// resultsFor is a wait condition: a result for every id.
func resultsFor(ids []string) func([]*kgo.Record) error {
	return func(rs []*kgo.Record) error {
		got := map[string]bool{}
		for _, r := range rs {
			var v struct {
				EventID string `json:"eventId"`
			}
			if json.Unmarshal(r.Value, &v) == nil {
				got[v.EventID] = true
			}
		}
		var missing []string
		for _, id := range ids {
			if !got[id] {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("no result yet for %s", strings.Join(head(missing, 5), ", "))
		}
		return nil
	}
}

// TestLargeInvalidRecordDeadLetteredWhole sends a 1,048,376-byte value that is not JSON, on an
// input topic that allows about 1.1 MB, with MAX_RECORD_BYTES at its default (1 MiB): the
// record is under the limit, fails to parse, and its dead letter (value plus error headers, over
// 1 MiB) must reach a dead-letter topic that allows the input's limit plus 64 KiB, with the
// value byte for byte. Valid events behind it on the same partition must then get results: a
// dead letter the writer cannot send must not stall the partition.
func TestLargeInvalidRecordDeadLetteredWhole(t *testing.T) {
	b := newBroker(t)
	s := suffix(t)
	tp := topics{Input: "it.crm.events." + s, Result: "it.results." + s, DLQ: "it.dlq." + s, Route: "it.route." + s, Group: "it-leadworker-" + s, Partitions: 1}
	createTopicSpecs(t, b,
		topicSpec{Name: tp.Input, Partitions: 1, Configs: map[string]string{"max.message.bytes": strconv.Itoa(largeInputLimit)}},
		topicSpec{Name: tp.Result, Partitions: 1},
		topicSpec{Name: tp.DLQ, Partitions: 1, Configs: map[string]string{"max.message.bytes": strconv.Itoa(largeDLQLimit)}},
		topicSpec{Name: tp.Route, Partitions: 1, Configs: map[string]string{"max.message.bytes": strconv.Itoa(largeDLQLimit)}},
		parkedSpec(tp.Group+".parked", 1, map[string]string{"max.message.bytes": strconv.Itoa(largeDLQLimit)}),
	)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	out := collectRaw(t, b, tp.Result, tp.DLQ)

	big := bytes.Repeat([]byte("not json "), largeValueBytes/9+1)[:largeValueBytes]
	big[0] = '{' // starts like JSON, is not
	wl := newWorkload(t, tp, 4)
	recs := append([]*kgo.Record{{Key: []byte("large-1"), Value: big, Partition: 0}}, toRecords(wl.Events, 0)...)
	w := startWorker(t, "worker", workerEnv(b, tp, fake, nil))
	produceRecords(t, b, withTopic(recs, tp.Input))

	dlq := out.wait(t, tp.DLQ, 60*time.Second, w, atLeast(1))
	results := out.wait(t, tp.Result, 60*time.Second, w, resultsFor(IDs(wl.Events)))

	if len(dlq) != 1 {
		t.Errorf("%d dead letters; want 1 (the large record)", len(dlq))
	}
	d := dlq[0]
	if string(d.Key) != "large-1" {
		t.Errorf("dead letter key = %q; want %q", d.Key, "large-1")
	}
	if !bytes.Equal(d.Value, big) {
		t.Errorf("dead letter value is %d bytes, equal to the input: %v; want the input's %d bytes untouched",
			len(d.Value), bytes.Equal(d.Value, big), len(big))
	}
	if got := headerValue(d, "error.class"); got != "invalid" {
		t.Errorf("error.class = %q; want invalid (message %q)", got, headerValue(d, "error.message"))
	}
	if got := headerValue(d, "source.offset"); got != "0" {
		t.Errorf("source.offset = %q; want 0", got)
	}
	if n := len(decodeResults(t, results)); n != len(wl.Events) {
		t.Errorf("%d results; want %d, one per valid event behind the large record", n, len(wl.Events))
	}
	t.Logf("sent=%d results=%d dead_letters=%d dead_letter_value_bytes=%d", len(recs), len(results), len(dlq), len(d.Value))
}

// TestEmptyValueDeadLetteredEmpty sends a record whose value is present and 0 bytes long, with
// one header whose value is 0 bytes, and a tombstone (null value). The empty value's dead letter
// must carry a 0-byte non-null value (a null one is a delete marker on a compacted topic) and
// the empty header value must stay empty, not turn null; the tombstone's dead letter stays null.
// A valid event behind them gets its result.
func TestEmptyValueDeadLetteredEmpty(t *testing.T) {
	b := newBroker(t)
	tp := newTopics(t, b, 1)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	out := collectRaw(t, b, tp.Result, tp.DLQ)
	valid := newWorkload(t, tp, 1).Events
	recs := []*kgo.Record{
		{Key: []byte("empty-value"), Value: []byte{}, Headers: []kgo.RecordHeader{
			{Key: "trace.empty", Value: []byte{}},
			{Key: "trace.null", Value: nil},
			{Key: "origin", Value: []byte("crm")},
		}},
		{Key: []byte("null-value"), Value: nil},
	}
	recs = append(recs, toRecords(valid, 0)...)
	w := startWorker(t, "worker", workerEnv(b, tp, fake, nil))
	produceRecords(t, b, withTopic(recs, tp.Input))

	dlq := out.wait(t, tp.DLQ, 60*time.Second, w, atLeast(2))
	out.wait(t, tp.Result, 60*time.Second, w, resultsFor(IDs(valid)))

	empty := byKey(dlq, "empty-value")
	if len(empty) != 1 {
		t.Fatalf("%d dead letters for the empty value; want 1", len(empty))
	}
	d := empty[0]
	switch {
	case d.Value == nil:
		t.Errorf("empty value's dead letter has a null value (a tombstone); want a 0-byte non-null value")
	case len(d.Value) != 0:
		t.Errorf("empty value's dead letter value = %q; want 0 bytes", d.Value)
	}
	if got := headerValue(d, "error.class"); got != "invalid" {
		t.Errorf("empty value: error.class = %q; want invalid", got)
	}
	for _, c := range []struct {
		name     string
		wantNull bool
	}{{"trace.empty", false}, {"trace.null", true}} {
		h, ok := headerOf(d, c.name)
		switch {
		case !ok:
			t.Errorf("header %s is missing from the dead letter; want the input's headers kept", c.name)
		case c.wantNull && h.Value != nil:
			t.Errorf("header %s = %q (non-null); want null, as it came", c.name, h.Value)
		case !c.wantNull && h.Value == nil:
			t.Errorf("header %s is null; want an empty non-null value, as it came", c.name)
		case len(h.Value) != 0:
			t.Errorf("header %s = %q; want empty", c.name, h.Value)
		}
	}
	if got := headerValue(d, "origin"); got != "crm" {
		t.Errorf("header origin = %q; want crm", got)
	}

	null := byKey(dlq, "null-value")
	if len(null) != 1 {
		t.Fatalf("%d dead letters for the null value; want 1", len(null))
	}
	if null[0].Value != nil {
		t.Errorf("null value's dead letter value = %q (non-null); want null, as it came", null[0].Value)
	}
}

// TestResultsOnJavaPartitions runs keyed events from a one-partition input topic into a result
// topic of 7 partitions (and a dead-letter topic of 5): every output must sit on the partition
// Java's default partitioner (murmur2, computed here by franz-go) picks for its key, so that
// Java consumers and Kafka Streams joins see one key on one partition.
func TestResultsOnJavaPartitions(t *testing.T) {
	b := newBroker(t)
	s := suffix(t)
	tp := topics{Input: "it.crm.events." + s, Result: "it.results." + s, DLQ: "it.dlq." + s, Route: "it.route." + s, Group: "it-leadworker-" + s, Partitions: 1}
	const resultParts, dlqParts = 7, 5
	createTopicSpecs(t, b,
		topicSpec{Name: tp.Input, Partitions: 1},
		topicSpec{Name: tp.Result, Partitions: resultParts},
		topicSpec{Name: tp.DLQ, Partitions: dlqParts},
		topicSpec{Name: tp.Route, Partitions: 1},
		parkedSpec(tp.Group+".parked", 1, nil),
	)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	out := collectRaw(t, b, tp.Result, tp.DLQ)
	wl := newWorkload(t, tp, 40)
	recs := toRecords(wl.Events, 0)
	for _, key := range keysCovering(t, "bad-"+s, dlqParts, 6) {
		recs = append(recs, &kgo.Record{Key: key, Value: []byte("not json"), Partition: 0})
	}
	w := startWorker(t, "worker", workerEnv(b, tp, fake, nil))
	produceRecords(t, b, withTopic(recs, tp.Input))

	results := out.wait(t, tp.Result, 60*time.Second, w, resultsFor(IDs(wl.Events)))
	dlq := out.wait(t, tp.DLQ, 30*time.Second, w, atLeast(6))
	for _, c := range []struct {
		topic string
		n     int
		recs  []*kgo.Record
	}{{tp.Result, resultParts, results}, {tp.DLQ, dlqParts, dlq}} {
		used := map[int32]bool{}
		for _, r := range c.recs {
			used[r.Partition] = true
			if want := javaPartition(r.Key, c.n); int(r.Partition) != want {
				t.Errorf("%s: key %q on partition %d; want %d (murmur2 of the key mod %d)", c.topic, r.Key, r.Partition, want, c.n)
			}
		}
		if len(used) < 3 {
			t.Errorf("%s: %d records on %d partitions; want them spread by key over at least 3", c.topic, len(c.recs), len(used))
		}
	}
	t.Logf("results=%d dead_letters=%d", len(results), len(dlq))
}

// keysCovering returns n keys starting with prefix whose murmur2 partitions, among parts, cover
// every partition (n >= parts), so a test that asserts spread does not depend on which random
// suffix the run drew.
func keysCovering(t *testing.T, prefix string, parts, n int) [][]byte {
	t.Helper()
	if n < parts {
		t.Fatalf("keysCovering: %d keys cannot cover %d partitions", n, parts)
	}
	var keys [][]byte
	covered := map[int]bool{}
	for i := 0; len(keys) < n; i++ {
		if i > 10000 {
			t.Fatalf("keysCovering: no cover of %d partitions in 10000 candidates", parts)
		}
		key := []byte(fmt.Sprintf("%s-%d", prefix, i))
		p := javaPartition(key, parts)
		if covered[p] && len(covered) < parts && n-len(keys) <= parts-len(covered) {
			continue // the remaining slots are needed for partitions not yet covered
		}
		covered[p] = true
		keys = append(keys, key)
	}
	return keys
}
