package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/examples"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

// TestDLQReplayUsesTheWorkersConfiguration: dlq replay reads KAFKA_DLQ_TOPIC,
// KAFKA_INPUT_TOPICS and the SASL settings as run does, reaches a broker that
// requires SASL, and republishes each dead letter to the partition it came
// from (or, when that partition no longer exists, where murmur2 puts its key).
func TestDLQReplayUsesTheWorkersConfiguration(t *testing.T) {
	const (
		in, dlq      = "crm.sasl.in", "leadworker.dlq.x"
		user, secret = "replayer", "replay-secret"
	)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser("PLAIN", user, secret),
		kfake.SeedTopics(4, in, dlq))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...),
		kgo.SASL(plain.Auth{User: user, Pass: secret}.AsMechanism()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ConsumeTopics(in))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	// A valid event (replay skips one the schemas refuse), under its own id.
	example, err := examples.Events.ReadFile("02-match-customer-key.json")
	if err != nil {
		t.Fatal(err)
	}
	deadLetter := func(key, event, sourcePartition string) *kgo.Record {
		value := bytes.Replace(example, []byte(`"demo-02-customer-key"`), []byte(`"`+event+`"`), 1)
		return &kgo.Record{Topic: dlq, Partition: 0, Key: []byte(key), Value: value,
			Headers: []kgo.RecordHeader{
				{Key: "traceparent", Value: []byte("00-abc-def-01")},
				{Key: "error.class", Value: []byte("rejected")},
				{Key: "event.id", Value: []byte(event)},
				{Key: "source.topic", Value: []byte(in)},
				{Key: "source.partition", Value: []byte(sourcePartition)},
				{Key: "source.offset", Value: []byte("41")},
			}}
	}
	if err := cl.ProduceSync(ctx, deadLetter("k-kept", "e1", "2"), deadLetter("k-moved", "e2", "9")).FirstErr(); err != nil {
		t.Fatal(err)
	}

	env := map[string]string{
		"KAFKA_BROKERS": strings.Join(cluster.ListenAddrs(), ","), "KAFKA_DLQ_TOPIC": dlq, "KAFKA_INPUT_TOPICS": in,
		"KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": user, "KAFKA_SASL_PASSWORD": secret,
	}
	var out, errOut bytes.Buffer
	if code := dlqCommand(ctx, []string{"replay"}, &out, &errOut, lookupFrom(env)); code != 0 {
		t.Fatalf("dlq replay exit = %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "replayed=2 skipped=0 matched=2") {
		t.Fatalf("dlq replay printed:\n%s", out.String())
	}

	want := map[string]int32{
		"k-kept":  2,
		"k-moved": int32(kafka.Murmur2Balancer{}.Balance(kafka.Message{Key: []byte("k-moved")}, 0, 1, 2, 3)),
	}
	got := map[string]*kgo.Record{}
	for len(got) < len(want) {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("replayed records read: %d of %d", len(got), len(want))
		}
		fs.EachRecord(func(r *kgo.Record) { got[string(r.Key)] = r })
	}
	for key, partition := range want {
		r := got[key]
		if r.Partition != partition {
			t.Errorf("%s replayed to partition %d; want %d", key, r.Partition, partition)
		}
		hs := map[string]string{}
		for _, h := range r.Headers {
			hs[h.Key] = string(h.Value)
		}
		if hs["replay.count"] != "1" || hs["traceparent"] != "00-abc-def-01" || hs["error.class"] != "" || hs["source.partition"] != "" {
			t.Errorf("%s headers = %v; want the input's own headers and replay.count=1", key, hs)
		}
	}
}
