package integration

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// This file holds the helpers of the hardening tests: topics with their own partition counts
// and configs, and a second Kafka client (franz-go kgo, which shares no code with the worker's
// kafka-go) that produces and reads records exactly, telling a null value or header value from
// an empty one.

// topicSpec is one topic to create: its partition count and topic-level configs.
type topicSpec struct {
	Name       string
	Partitions int
	Configs    map[string]string
}

// createTopicSpecs creates the topics and waits until every partition of each has a leader.
func createTopicSpecs(t *testing.T, b *broker, specs ...topicSpec) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := createSpecs(ctx, b, specs); err != nil {
		t.Fatalf("create topics: %v", err)
	}
}

// newKgo returns a franz-go client of b that t closes.
func newKgo(t *testing.T, b *broker, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(b.addrs...), kgo.MetadataMinAge(250 * time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatalf("kgo.NewClient: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// produceRecords writes recs with kgo, each to its Partition, in order, acknowledged by all
// in-sync replicas. kgo keeps a null (nil) value or header value null and an empty one empty.
func produceRecords(t *testing.T, b *broker, recs []*kgo.Record) {
	t.Helper()
	cl := newKgo(t, b,
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchMaxBytes(1_100_000), // room for the 1 MiB record of TestLargeInvalidRecord
		kgo.ProducerLinger(0),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce %d records: %v", len(recs), err)
	}
}

// rawCollector reads topics from the beginning with kgo, without a group, while the test runs.
type rawCollector struct {
	mu   sync.Mutex
	recs []*kgo.Record
}

func collectRaw(t *testing.T, b *broker, topics ...string) *rawCollector {
	t.Helper()
	c := &rawCollector{}
	cl := newKgo(t, b,
		kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxBytes(32<<20),
		kgo.FetchMaxPartitionBytes(8<<20),
		kgo.FetchMaxWait(200*time.Millisecond),
	)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			fs := cl.PollFetches(ctx)
			if ctx.Err() != nil {
				return
			}
			c.mu.Lock()
			fs.EachRecord(func(r *kgo.Record) { c.recs = append(c.recs, r) })
			c.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return c
}

// records returns what has been read from topic so far, in offset order per partition.
func (c *rawCollector) records(topic string) []*kgo.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*kgo.Record
	for _, r := range c.recs {
		if r.Topic == topic {
			out = append(out, r)
		}
	}
	return out
}

// wait polls until cond accepts the records read from topic, and fails t after timeout with
// cond's last complaint.
func (c *rawCollector) wait(t *testing.T, topic string, timeout time.Duration, w *workerProc, cond func([]*kgo.Record) error) []*kgo.Record {
	t.Helper()
	err := testkit.Until(t, timeout, func() error {
		if w != nil && w.exited() {
			return testkit.Stop(fmt.Errorf("%s exited: %s", w.name, w.exitStatus()))
		}
		return cond(c.records(topic))
	})
	if err != nil {
		t.Fatalf("%s: %v", topic, err)
	}
	return c.records(topic)
}

// atLeast is a wait condition: n records.
func atLeast(n int) func([]*kgo.Record) error {
	return func(rs []*kgo.Record) error {
		if len(rs) < n {
			return fmt.Errorf("%d records; waiting for %d", len(rs), n)
		}
		return nil
	}
}

// byKey returns the records whose key is key.
func byKey(rs []*kgo.Record, key string) []*kgo.Record {
	var out []*kgo.Record
	for _, r := range rs {
		if string(r.Key) == key {
			out = append(out, r)
		}
	}
	return out
}

// headerOf returns the last header named name, and whether there is one.
func headerOf(r *kgo.Record, name string) (kgo.RecordHeader, bool) {
	for i := len(r.Headers) - 1; i >= 0; i-- {
		if r.Headers[i].Key == name {
			return r.Headers[i], true
		}
	}
	return kgo.RecordHeader{}, false
}

func headerValue(r *kgo.Record, name string) string {
	h, _ := headerOf(r, name)
	return string(h.Value)
}

// javaPartition is the partition Java's default partitioner picks for a keyed record among n:
// murmur2 of the key, as franz-go's StickyKeyPartitioner with the Kafka hasher computes it.
func javaPartition(key []byte, n int) int {
	p := kgo.StickyKeyPartitioner(nil).ForTopic("any")
	return p.Partition(&kgo.Record{Key: key}, n)
}

// topicExists asks the broker for topic's metadata without allowing auto-creation, so asking
// never creates it.
func topicExists(t *testing.T, b *broker, topic string) bool {
	t.Helper()
	return metadataHas(t, b, topic, false)
}

// metadataHas sends one metadata request for topic and reports whether the topic exists in
// the answer: any answer but UNKNOWN_TOPIC_OR_PARTITION, since a topic being created answers
// LEADER_NOT_AVAILABLE for a moment. With autoCreate the request asks the broker to create it.
func metadataHas(t *testing.T, b *broker, topic string, autoCreate bool) bool {
	t.Helper()
	cl := newKgo(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	req.AllowAutoTopicCreation = autoCreate
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("metadata %s: %v", topic, err)
	}
	for _, tp := range resp.Topics {
		if tp.Topic != nil && *tp.Topic == topic {
			return tp.ErrorCode != kerr.UnknownTopicOrPartition.Code
		}
	}
	return false
}

// adminAddr waits for the log line announcing the admin listener and returns its address.
func (w *workerProc) adminAddr(t *testing.T) string {
	t.Helper()
	return w.listenAddr(t, "serving admin actions")
}

// cliResult is how one `leadworker <command>` run ended.
type cliResult struct {
	Code           int
	Stdout, Stderr string
}

// runCLI runs the built binary with args and exactly env (plus PATH) and waits up to a minute.
func runCLI(t *testing.T, env map[string]string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, workerBin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	sort.Strings(cmd.Env)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := cliResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && ctx.Err() == nil:
		r.Code = exit.ExitCode()
	default:
		t.Fatalf("leadworker %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, r.Stdout, r.Stderr)
	}
	return r
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
}
