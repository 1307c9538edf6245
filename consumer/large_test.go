package consumer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"github.com/leadworker/leadworker/recovery"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

func invalid(context.Context, *Message) (Outcome, error) {
	return Outcome{DeadLetter: letter("invalid", "not JSON")}, nil
}

// produceBig writes one record of n bytes with a writer sized for it.
func produceBig(t *testing.T, addr, topic string, key string, n int) []byte {
	t.Helper()
	v := bytes.Repeat([]byte("{"), n)
	w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: topic, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond, BatchBytes: int64(n + 4096)}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, kafka.Message{Key: []byte(key), Value: v}); err != nil {
		t.Fatalf("produce %d bytes: %v", n, err)
	}
	return v
}

// A value just under the default MaxRecordBytes, invalid, is dead-lettered
// whole when the dead-letter topic's limit leaves room for the headers.
// Before, the writer's default BatchBytes (1 MiB) refused it in the client and
// the partition stalled.
func TestRecordNearTheLimitIsDeadLettered(t *testing.T) {
	t.Parallel()
	addr := newBareCluster(t)
	createTopic(t, addr, inTopic, 1, nil) // broker default: 1048588
	createTopic(t, addr, outTopic, 1, nil)
	createTopic(t, addr, dlqTopic, 1, map[string]string{"max.message.bytes": strconv.Itoa(2 << 20)})
	v := produceBig(t, addr, inTopic, "big", 1_048_376)
	// A schema error names what failed, as leadworker's handler does.
	reason := HandlerFunc(func(context.Context, *Message) (Outcome, error) {
		return Outcome{DeadLetter: letter("invalid", "invalid JSON: "+strings.Repeat("at /customer/phoneNumbers/0: expected string; ", 8))}, nil
	})
	r := start(t, baseOptions(addr, "g-near", reason))
	testkit.WaitFor(t, 30*time.Second, "committed", func() bool { return committed(t, addr, "g-near", inTopic)[0] == 1 })
	got := readAll(t, addr, dlqTopic, 1, 10*time.Second)
	if len(got) != 1 || !bytes.Equal(got[0].Value, v) {
		t.Fatalf("dead letters = %d; want 1 with the whole value", len(got))
	}
	r.stop(t)
}

// A dead letter the broker refuses (here: the input fills the dead-letter
// topic's limit, so value plus headers cannot fit) is visible in Stats while
// it fails, and after DLQWriteGiveUp becomes a reference letter: headers,
// error.class=unwritable, the original's size and SHA-256, an empty value.
func TestRefusedDeadLetterBecomesReference(t *testing.T) {
	t.Parallel()
	addr := newBareCluster(t)
	limit := 1 << 20
	createTopic(t, addr, inTopic, 1, map[string]string{"max.message.bytes": strconv.Itoa(limit)})
	createTopic(t, addr, outTopic, 1, nil)
	createTopic(t, addr, dlqTopic, 1, map[string]string{"max.message.bytes": strconv.Itoa(limit)})
	v := produceBig(t, addr, inTopic, "huge", limit-200)
	produce(t, addr, inTopic, kafka.Message{Key: []byte("after"), Value: []byte("{}")})

	opts := baseOptions(addr, "g-ref", HandlerFunc(invalid))
	opts.DLQWriteGiveUp = 2 * time.Second
	r := start(t, opts)
	testkit.WaitFor(t, 30*time.Second, "the failing write in Stats", func() bool {
		f := r.c.Stats().OutputFailing
		return len(f) == 1 && f[0].Topic == dlqTopic && f[0].Offset == 0 && f[0].Error != ""
	})
	if got := committed(t, addr, "g-ref", inTopic)[0]; got > 0 {
		t.Fatalf("committed = %d while the dead letter fails; want 0", got)
	}
	testkit.WaitFor(t, 30*time.Second, "the partition moved on", func() bool { return committed(t, addr, "g-ref", inTopic)[0] == 2 })
	s := r.c.Stats()
	if s.Unwritable != 1 || len(s.OutputFailing) != 0 {
		t.Errorf("Stats() Unwritable = %d, OutputFailing = %v; want 1 and none", s.Unwritable, s.OutputFailing)
	}
	raw := map[string]*kgo.Record{}
	for _, x := range rawRecords(t, addr, dlqTopic, 2) {
		raw[string(x.Key)] = x
	}
	ref := raw["huge"]
	if ref == nil || raw["after"] == nil {
		t.Fatalf("dead letters = %v; want one per input key", raw)
	}
	if string(ref.Key) != "huge" || ref.Value == nil || len(ref.Value) != 0 {
		t.Fatalf("reference letter key %q value %d bytes (nil=%v); want key huge and an empty, non-null value", ref.Key, len(ref.Value), ref.Value == nil)
	}
	h := map[string]string{}
	for _, x := range ref.Headers {
		h[x.Key] = string(x.Value)
	}
	sum := sha256.Sum256(v)
	want := map[string]string{
		headerClass: "unwritable", "error.cause.class": "invalid", HeaderSourceTopic: inTopic,
		HeaderSourcePart: "0", HeaderSourceOffset: "0", "source.size": strconv.Itoa(len(v)),
		recovery.HeaderSourceSHA256: hex.EncodeToString(sum[:]),
	}
	for k, w := range want {
		if h[k] != w {
			t.Errorf("header %s = %q; want %q", k, h[k], w)
		}
	}
	r.stop(t)
}

// Bytes of fetched-and-unfinished records stay within the budget while
// records much larger than the count limit would allow pile up.
func TestBufferedBytesBounded(t *testing.T) {
	t.Parallel()
	addr := newBareCluster(t)
	createTopic(t, addr, inTopic, 2, map[string]string{"max.message.bytes": strconv.Itoa(300 << 10)})
	createTopic(t, addr, outTopic, 2, nil)
	createTopic(t, addr, dlqTopic, 2, map[string]string{"max.message.bytes": strconv.Itoa(2 << 20)})
	const n, size = 40, 200 << 10
	for i := 0; i < n; i++ {
		produceBig(t, addr, inTopic, "k"+strconv.Itoa(i), size)
	}
	slow := HandlerFunc(func(ctx context.Context, m *Message) (Outcome, error) {
		time.Sleep(5 * time.Millisecond) // simulated work, not synchronisation
		return invalid(ctx, m)
	})
	opts := baseOptions(addr, "g-bytes", slow)
	opts.MaxRecordBytes = 256 << 10
	opts.MaxBufferedBytes = 8 << 20
	opts.MaxInFlight = 64
	r := start(t, opts)
	testkit.WaitFor(t, 60*time.Second, "all committed", func() bool { return sum(committed(t, addr, "g-bytes", inTopic)) == n })
	s := r.c.Stats()
	t.Logf("peak %d bytes, limit %d", s.BufferedBytesPeak, s.BufferedBytesLimit)
	if s.BufferedBytesLimit != opts.MaxBufferedBytes {
		t.Errorf("BufferedBytesLimit = %d; want MaxBufferedBytes %d (fetches take their room from it)", s.BufferedBytesLimit, opts.MaxBufferedBytes)
	}
	if s.BufferedBytesPeak == 0 || s.BufferedBytesPeak > s.BufferedBytesLimit {
		t.Errorf("BufferedBytesPeak = %d; want within BufferedBytesLimit %d", s.BufferedBytesPeak, s.BufferedBytesLimit)
	}
	if s.BufferedBytesPeak < 2*size {
		t.Errorf("BufferedBytesPeak = %d; want records handled concurrently under the budget", s.BufferedBytesPeak)
	}
	r.stop(t)
}
