package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/examples"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestDLQReplayDryRunSaysWhatItWouldDo: a dead letter that still fails the
// schema would only be dead-lettered again, so replay skips it ("skip:
// invalid", in the dry run and the real run alike); one myKaarma rejected is
// replayed.
func TestDLQReplayDryRunSaysWhatItWouldDo(t *testing.T) {
	env, cl := consoleCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	invalid, err := examples.Events.ReadFile("07-invalid-missing-lead-type.json")
	if err != nil {
		t.Fatal(err)
	}
	valid, err := examples.Events.ReadFile("01-new-customer-lead.json")
	if err != nil {
		t.Fatal(err)
	}
	dead := func(value []byte, class, id string) *kgo.Record {
		return &kgo.Record{Topic: "leadworker.dlq", Partition: 0, Key: []byte(id), Value: value, Headers: []kgo.RecordHeader{
			{Key: "error.class", Value: []byte(class)}, {Key: "error.message", Value: []byte("as dead-lettered")},
			{Key: "event.id", Value: []byte(id)}, {Key: "source.topic", Value: []byte("crm.events")},
			{Key: "source.partition", Value: []byte("1")}, {Key: "failed.at", Value: []byte("2026-11-20T09:00:00Z")},
		}}
	}
	if err := cl.ProduceSync(ctx, dead(invalid, "invalid", "demo-07-invalid"), dead(valid, "rejected", "demo-01-new-customer"),
		dead(make([]byte, 2048), "invalid", "too-large")).FirstErr(); err != nil {
		t.Fatal(err)
	}
	env["MAX_RECORD_BYTES"] = "1024"

	var out, errOut bytes.Buffer
	if code := dlqCommand(ctx, []string{"replay", "--dry-run"}, &out, &errOut, lookupFrom(env)); code != 0 {
		t.Fatalf("dlq replay --dry-run = %d\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^FAILED AT +CLASS +EVENT ID +REPLAYS +ACTION +MESSAGE$`),
		regexp.MustCompile(`(?m)invalid +demo-07-invalid +0 +skip: invalid +/lead/leadType: missing property`),
		regexp.MustCompile(`(?m)rejected +demo-01-new-customer +0 +replay +as dead-lettered$`),
		regexp.MustCompile(`(?m)invalid +too-large +0 +skip: invalid +record value is 2048 bytes, larger than MAX_RECORD_BYTES=1024$`),
		regexp.MustCompile(`(?m)^replayed=0 skipped=2 matched=3$`),
	} {
		if !want.MatchString(out.String()) {
			t.Errorf("dry run lacks %s:\n%s", want, out.String())
		}
	}

	out.Reset()
	if code := dlqCommand(ctx, []string{"replay"}, &out, &errOut, lookupFrom(env)); code != 0 {
		t.Fatalf("dlq replay = %d\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "replayed=1 skipped=2 matched=3") || strings.Contains(out.String(), "demo-01-new-customer") {
		t.Errorf("replay printed:\n%s\nwant the rejected one replayed, the two invalid ones listed as skipped", out.String())
	}
	cl.AddConsumeTopics("crm.events")
	fs := cl.PollFetches(ctx)
	if recs := fs.Records(); len(recs) != 1 || string(recs[0].Key) != "demo-01-new-customer" {
		t.Errorf("the input topic holds %d replayed records; want only demo-01-new-customer", len(recs))
	}
}

// TestDLQReplayHelpWithoutEnvironment: -h shows each default once and needs
// no KAFKA_BROKERS.
func TestDLQReplayHelpWithoutEnvironment(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := dlqCommand(context.Background(), []string{"replay", "-h"}, &out, &errOut, lookupFrom(nil)); code != 0 {
		t.Fatalf("dlq replay -h = %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "dead-letter topic to read (default $KAFKA_DLQ_TOPIC, else leadworker.dlq)\n") {
		t.Errorf("dlq replay -h:\n%s", out.String())
	}
}
