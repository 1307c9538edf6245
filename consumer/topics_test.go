package consumer

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// On a broker that creates topics on request, a worker started before its
// input topic exists must not create it: it stays out of the group, reports
// the topic missing, and starts once the topic is created.
func TestMissingInputTopicIsNotCreated(t *testing.T) {
	t.Parallel()
	addr := newBareCluster(t, kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1))
	createTopic(t, addr, outTopic, 1, nil)
	createTopic(t, addr, dlqTopic, 1, nil)
	opts := baseOptions(addr, "g-missing", newEcho())
	opts.RequiredTopics = []string{"leadworker.route"}
	r := start(t, opts)

	want := []string{inTopic, "leadworker.route"}
	testkit.WaitFor(t, 30*time.Second, "missing topics reported", func() bool {
		return slices.Equal(r.c.Stats().MissingTopics, want)
	})
	// Several checks have run by now; none may have created the topic.
	testkit.WaitFor(t, 30*time.Second, "a few more checks", func() bool { return !r.c.Joined() && r.c.Stats().Partitions == 0 })
	if topicExists(t, addr, inTopic) {
		t.Fatalf("input topic %s exists; the worker created it", inTopic)
	}
	if r.c.Joined() {
		t.Fatal("joined the group with a missing input topic")
	}

	createTopic(t, addr, inTopic, 3, nil)
	createTopic(t, addr, "leadworker.route", 1, nil)
	produce(t, addr, inTopic, keyed(9, 9)...)
	testkit.WaitFor(t, 60*time.Second, "all committed once the topics exist", func() bool { return sum(committed(t, addr, "g-missing", inTopic)) == 9 })
	if s := r.c.Stats(); len(s.MissingTopics) != 0 || s.Partitions != 3 {
		t.Errorf("Stats() = %+v; want no missing topics and all 3 partitions", s)
	}
	r.stop(t)
}

// A missing output topic also keeps the worker out of the group: before this,
// it joined and failed every write.
func TestMissingOutputTopicKeepsOutOfGroup(t *testing.T) {
	t.Parallel()
	_, addr := newCluster(t, 1, inTopic, dlqTopic)
	produce(t, addr, inTopic, keyed(5, 5)...)
	r := start(t, baseOptions(addr, "g-outmissing", newEcho()))
	testkit.WaitFor(t, 30*time.Second, "missing result topic reported", func() bool {
		return slices.Equal(r.c.Stats().MissingTopics, []string{outTopic})
	})
	if r.c.Joined() {
		t.Fatal("joined with the result topic missing")
	}
	createTopic(t, addr, outTopic, 1, nil)
	testkit.WaitFor(t, 60*time.Second, "commit after the topic exists", func() bool { return sum(committed(t, addr, "g-outmissing", inTopic)) == 5 })
}

func TestTopicLimitsAtStartup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		input    string // max.message.bytes; "" = broker default
		dlq      string
		wantErr  []string // Run's error names both limits
		wantWarn bool
	}{
		{name: "broker defaults", wantWarn: true},
		{name: "room for headers", input: "1048588", dlq: "2097152"},
		{name: "dead-letter topic below input", input: "2097152", dlq: "1048588", wantErr: []string{"2097152", "1048588", dlqTopic}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := newBareCluster(t)
			cfg := func(v string) map[string]string {
				if v == "" {
					return nil
				}
				return map[string]string{"max.message.bytes": v}
			}
			createTopic(t, addr, inTopic, 1, cfg(tt.input))
			createTopic(t, addr, outTopic, 1, nil)
			createTopic(t, addr, dlqTopic, 1, cfg(tt.dlq))
			logger, hook := newTestLogger()
			opts := baseOptions(addr, "g-limits-"+strings.ReplaceAll(tt.name, " ", "-"), newEcho())
			opts.Logger = logger
			r := start(t, opts)
			if tt.wantErr != nil {
				select {
				case <-r.done:
				case <-time.After(30 * time.Second):
					t.Fatal("Run did not refuse to start")
				}
				if !errors.Is(r.err, ErrStartupCheck) {
					t.Fatalf("Run() = %v; want an error matching ErrStartupCheck naming both limits", r.err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(r.err.Error(), w) {
						t.Errorf("Run() = %q; want it to name %s", r.err, w)
					}
				}
				return
			}
			testkit.WaitFor(t, 30*time.Second, "joined", r.c.Joined)
			warned := false
			for _, e := range hook.AllEntries() {
				warned = warned || strings.Contains(e.Message, "less than 64 KiB")
			}
			if warned != tt.wantWarn {
				t.Errorf("header-room warning = %v; want %v", warned, tt.wantWarn)
			}
			r.stop(t)
		})
	}
}

// Run refuses to start, at once, on a compacted topic and on a byte budget
// that cannot hold one fetch of an input.
func TestStartupRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		dlq     map[string]string
		budget  int64
		wantErr []string
	}{
		{name: "compacted dead-letter topic", dlq: map[string]string{"cleanup.policy": "compact"}, wantErr: []string{dlqTopic, "cleanup.policy=compact"}},
		{name: "compact and delete", dlq: map[string]string{"cleanup.policy": "compact,delete"}, wantErr: []string{dlqTopic, "cleanup.policy=compact,delete"}},
		{name: "budget below one fetch", budget: 512 << 10, wantErr: []string{inTopic, "524288", "1048844"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := newBareCluster(t)
			createTopic(t, addr, inTopic, 1, map[string]string{"max.message.bytes": "1048588"})
			createTopic(t, addr, outTopic, 1, nil)
			createTopic(t, addr, dlqTopic, 1, tt.dlq)
			opts := baseOptions(addr, "g-refuse-"+strings.ReplaceAll(tt.name, " ", "-"), newEcho())
			opts.MaxBufferedBytes = tt.budget
			r := start(t, opts)
			select {
			case <-r.done:
			case <-time.After(30 * time.Second):
				t.Fatal("Run did not refuse to start")
			}
			if !errors.Is(r.err, ErrStartupCheck) {
				t.Fatalf("Run() = %v; want an error matching ErrStartupCheck", r.err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(r.err.Error(), w) {
					t.Errorf("Run() = %q; want it to name %s", r.err, w)
				}
			}
			if r.c.Joined() {
				t.Error("joined the group before refusing")
			}
		})
	}
}

// A partition added to an input topic while the consumer runs is taken up:
// the consumer joins its group again and reads it.
func TestInputPartitionAddedIsRead(t *testing.T) {
	t.Parallel()
	addr := newBareCluster(t)
	createTopic(t, addr, inTopic, 1, nil)
	createTopic(t, addr, outTopic, 1, nil)
	createTopic(t, addr, dlqTopic, 1, nil)
	opts := baseOptions(addr, "g-topic-grow", newEcho())
	opts.TopicCheckInterval = 50 * time.Millisecond
	r := start(t, opts)
	testkit.WaitFor(t, 30*time.Second, "joined", r.c.Joined)
	addPartitions(t, addr, inTopic, 2)
	produceTo(t, addr, inTopic, 1, 1)
	testkit.WaitFor(t, 30*time.Second, "the new partition committed", func() bool { return committed(t, addr, "g-topic-grow", inTopic)[1] == 1 })
	if p := r.c.Stats().TopicProblems; len(p) != 0 {
		t.Errorf("TopicProblems = %q; want none for partitions added", p)
	}
	r.stop(t)
}

// sanity: kafka-go's Client.Metadata, which the check uses, never creates.
func TestClientMetadataDoesNotCreate(t *testing.T) {
	t.Parallel()
	addr := newBareCluster(t, kfake.AllowAutoTopicCreation())
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 5 * time.Second}
	if _, err := c.Metadata(context.Background(), &kafka.MetadataRequest{Topics: []string{"nope"}}); err != nil {
		t.Fatal(err)
	}
	if topicExists(t, addr, "nope") {
		t.Fatal("Client.Metadata created the topic")
	}
}

// The parked topic must keep records at least Options.ParkRetention: a
// shorter retention.ms is a topic problem (and refuses the start); for ever
// (-1) and not reported (0) are not.
func TestParkedTopicRetention(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	o := &Options{Topics: []string{inTopic, "p.parked"}, ResultTopic: outTopic, DLQTopic: dlqTopic, ParkTopic: "p.parked", ParkRetention: 6 * day}
	tests := []struct {
		retention time.Duration
		want      bool
	}{
		{retention: day, want: true},
		{retention: 6*day - time.Millisecond, want: true},
		{retention: 6 * day},
		{retention: 7 * day},
		{retention: -time.Millisecond},
		{retention: 0},
	}
	for _, tt := range tests {
		got := o.topicProblems(map[string]TopicState{
			inTopic: {Partitions: 1}, outTopic: {Partitions: 1}, dlqTopic: {Partitions: 1},
			"p.parked": {Partitions: 1, Retention: tt.retention},
		}, nil)
		found := false
		for _, p := range got {
			found = found || (strings.Contains(p, "p.parked") && strings.Contains(p, "retention.ms"))
		}
		if found != tt.want {
			t.Errorf("retention %v: problems %q; want a retention problem %v", tt.retention, got, tt.want)
		}
	}
}
