package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/leadworker/leadworker/deadletter"
	"github.com/leadworker/leadworker/replay"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/sandbox"
	"github.com/leadworker/leadworker/schemas"
	"github.com/segmentio/kafka-go"
)

// TestReplay: an event myKaarma refused is dead-lettered as rejected; replay
// sends it back with replay.count, a second refusal keeps the count, the loop
// guard skips it, and a replay after the fault cleared ends QUEUED.
func TestReplay(t *testing.T) {
	p := startPipeline(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ev := leadEvents(t, "replay", 1)
	p.fake.FailNext(mykaarmatest.OpCreate, 2, 400)
	if err := sandbox.Produce(ctx, p.cfg, ev); err != nil {
		t.Fatal(err)
	}
	if err := p.outputs.WaitFor(ctx, 1, nil); err != nil {
		t.Fatal(err)
	}
	_, dead := p.outputs.Snapshot()
	if len(dead) != 1 || header(dead[0], deadletter.HeaderErrorClass) != deadletter.ClassRejected {
		t.Fatalf("dead letters = %d (class %q); want 1 rejected", len(dead), header(dead[0], deadletter.HeaderErrorClass))
	}

	opts := replay.Options{Brokers: p.cfg.Brokers, DLQTopic: p.cfg.DLQTopic, MaxReplays: 3, Group: "replay-test"}
	var out bytes.Buffer
	dry := opts
	dry.DryRun = true
	if sum, err := replay.Replay(ctx, dry, &out); err != nil || sum != (replay.Summary{Matched: 1}) {
		t.Fatalf("dry run = %+v, %v; want matched=1 and nothing replayed", sum, err)
	}
	if !strings.Contains(out.String(), "replay-000") || !strings.Contains(out.String(), "rejected") {
		t.Errorf("dry run lists:\n%s\nwant the event id and class", out.String())
	}

	// Replayed while myKaarma still refuses it: dead-lettered again, count kept.
	if sum, err := replay.Replay(ctx, opts, &out); err != nil || sum != (replay.Summary{Matched: 1, Replayed: 1}) {
		t.Fatalf("replay = %+v, %v; want the dry run's record replayed (dry runs commit nothing)", sum, err)
	}
	if err := p.outputs.WaitFor(ctx, 2, nil); err != nil {
		t.Fatal(err)
	}
	_, dead = p.outputs.Snapshot()
	var again bool
	for _, m := range dead {
		if header(m, replay.HeaderReplayCount) == "1" && header(m, deadletter.HeaderErrorClass) == deadletter.ClassRejected {
			again = true
		}
	}
	if !again {
		t.Fatal("the replayed event's dead letter lacks replay.count=1")
	}

	// The group remembers: only the new dead letter is read; the guard skips it.
	guarded := opts
	guarded.MaxReplays = 1
	if sum, err := replay.Replay(ctx, guarded, &out); err != nil || sum != (replay.Summary{Matched: 1, Skipped: 1}) {
		t.Fatalf("loop-guarded replay = %+v, %v; want matched=1 skipped=1", sum, err)
	}

	// The fault is gone: a fresh group replays the newest dead letter only.
	fresh := opts
	fresh.Group, fresh.EventID, fresh.Since = "replay-test-2", "replay-000", time.Now().Add(-time.Hour)
	fresh.MaxReplays = 1
	if sum, err := replay.Replay(ctx, fresh, &out); err != nil || sum != (replay.Summary{Matched: 2, Replayed: 1, Skipped: 1}) {
		t.Fatalf("replay after the fault = %+v, %v; want matched=2 replayed=1 skipped=1", sum, err)
	}
	if err := p.outputs.WaitFor(ctx, 3, nil); err != nil {
		t.Fatal(err)
	}
	results, _ := p.outputs.Snapshot()
	var r schemas.Result
	if len(results) != 1 || json.Unmarshal(results[0].Value, &r) != nil || r.Outcome != schemas.OutcomeQueued {
		t.Fatalf("results = %d (%+v); want the replayed event QUEUED", len(results), r)
	}
}

func header(m kafka.Message, key string) string {
	for i := len(m.Headers) - 1; i >= 0; i-- {
		if m.Headers[i].Key == key {
			return string(m.Headers[i].Value)
		}
	}
	return ""
}
