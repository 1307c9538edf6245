package consumer

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

const (
	inTopic  = "crm.events"
	outTopic = "leadworker.results"
	dlqTopic = "leadworker.dlq"
)

// newCluster starts an embedded Kafka broker with the topics seeded.
func newCluster(t *testing.T, partitions int, topics ...string) (*kfake.Cluster, string) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(partitions), topics...))
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c, c.ListenAddrs()[0]
}

func produce(t *testing.T, addr, topic string, msgs ...kafka.Message) {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: topic, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

func keyed(n int, keys int) []kafka.Message {
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte(fmt.Sprintf("k%d", i%keys)), Value: []byte(fmt.Sprintf("v%d", i))}
	}
	return msgs
}

// partitionsOf returns topic's partitions as the broker at addr sees them.
func partitionsOf(t *testing.T, addr, topic string) []kafka.Partition {
	t.Helper()
	conn, err := kafka.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions(topic)
	if err != nil {
		t.Fatalf("partitions: %v", err)
	}
	return parts
}

// readAll reads every record of topic that exists when called plus any that
// arrive until want records were seen or the deadline passes.
func readAll(t *testing.T, addr, topic string, want int, within time.Duration) []kafka.Message {
	t.Helper()
	parts := partitionsOf(t, addr, topic)
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	var (
		mu  sync.Mutex
		got []kafka.Message
		wg  sync.WaitGroup
	)
	for _, p := range parts {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: topic, Partition: p, MaxWait: 100 * time.Millisecond})
			defer r.Close()
			for {
				m, err := r.FetchMessage(ctx)
				if err != nil {
					return
				}
				mu.Lock()
				got = append(got, m)
				if len(got) >= want {
					cancel()
				}
				mu.Unlock()
			}
		}(p.ID)
	}
	wg.Wait()
	return got
}

// committed returns the group's committed offset per partition of topic.
func committed(t *testing.T, addr, group, topic string) map[int]int64 {
	t.Helper()
	conn, err := kafka.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		t.Fatalf("partitions: %v", err)
	}
	ids := make([]int, len(parts))
	for i, p := range parts {
		ids[i] = p.ID
	}
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 5 * time.Second}
	res, err := c.OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ids}})
	if err != nil {
		t.Fatalf("offset fetch: %v", err)
	}
	out := map[int]int64{}
	for _, p := range res.Topics[topic] {
		out[p.Partition] = p.CommittedOffset
	}
	return out
}

func sum(m map[int]int64) (s int64) {
	for _, v := range m {
		if v > 0 {
			s += v
		}
	}
	return s
}

// running is a consumer started by start.
type running struct {
	c      *Consumer
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned
	err    error         // Run's error, set before done closes
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case <-r.done:
		if r.err != nil {
			t.Errorf("Run() = %v; want nil", r.err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func start(t *testing.T, opts Options) *running {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{c: c, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = c.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

func baseOptions(addr, group string, h Handler) Options {
	return Options{
		Brokers: []string{addr}, GroupID: group, Topics: []string{inTopic},
		ResultTopic: outTopic, DLQTopic: dlqTopic, Handler: h, Describer: brokerDescriber{addr},
		MaxWait: 100 * time.Millisecond, CommitInterval: 50 * time.Millisecond,
		HeartbeatInterval: 500 * time.Millisecond, SessionTimeout: 6 * time.Second,
		RebalanceTimeout: 10 * time.Second, DrainTimeout: 5 * time.Second,
		RetryBackoffMax: 200 * time.Millisecond,
	}
}

// echo is a handler whose result is the input value; it counts calls per value.
type echo struct {
	mu    sync.Mutex
	calls map[string]int
}

func newEcho() *echo { return &echo{calls: map[string]int{}} }

func (e *echo) Handle(_ context.Context, m *Message) (Outcome, error) {
	e.mu.Lock()
	e.calls[string(m.Value)]++
	e.mu.Unlock()
	return Outcome{Result: m.Value}, nil
}

func (e *echo) distinct() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.calls)
}

// brokerDescriber describes topics as the broker at addr reports them, as
// kafkaadmin.Describer does (which the consumer's tests cannot import:
// it imports the consumer).
type brokerDescriber struct{ addr string }

func (d brokerDescriber) Describe(ctx context.Context, topics []string) (map[string]TopicState, error) {
	c := &kafka.Client{Addr: kafka.TCP(d.addr), Transport: &kafka.Transport{}, Timeout: 10 * time.Second}
	defer c.Transport.(*kafka.Transport).CloseIdleConnections()
	meta, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return nil, err
	}
	out := map[string]TopicState{}
	req := &kafka.DescribeConfigsRequest{}
	for _, t := range meta.Topics {
		if t.Error != nil {
			continue
		}
		out[t.Name] = TopicState{Partitions: len(t.Partitions)}
		req.Resources = append(req.Resources, kafka.DescribeConfigRequestResource{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: t.Name, ConfigNames: []string{"cleanup.policy", "max.message.bytes"},
		})
	}
	if len(req.Resources) == 0 {
		return out, nil
	}
	res, err := c.DescribeConfigs(ctx, req)
	if err != nil {
		return nil, err
	}
	for _, r := range res.Resources {
		st := out[r.ResourceName]
		for _, e := range r.ConfigEntries {
			switch e.ConfigName {
			case "cleanup.policy":
				st.CleanupPolicy = e.ConfigValue
			case "max.message.bytes":
				st.MaxMessageBytes, _ = strconv.Atoi(e.ConfigValue)
			}
		}
		out[r.ResourceName] = st
	}
	return out, nil
}

// produceTo writes n records to one partition of topic.
func produceTo(t *testing.T, addr, topic string, partition int, n int) {
	t.Helper()
	conn, err := kafka.DialLeader(context.Background(), "tcp", addr, topic, partition)
	if err != nil {
		t.Fatalf("dial leader: %v", err)
	}
	defer conn.Close()
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Value: []byte("v")}
	}
	if _, err := conn.WriteMessages(msgs...); err != nil {
		t.Fatalf("produce to %s/%d: %v", topic, partition, err)
	}
}

// Dead-letter headers the consumer's tests set, as the worker's dead letters
// (package deadletter) do.
const (
	headerClass = "error.class"
	headerMsg   = "error.message"
)

// letter is a dead letter of class and message: error.* headers replace the
// input's, and its reference letter says unwritable, the class and the size.
func letter(class, message string) *DeadLetter {
	return &DeadLetter{
		Headers: []Header{{Key: headerClass, Value: []byte(class)}, {Key: headerMsg, Value: []byte(message)}},
		Own:     func(key string) bool { return strings.HasPrefix(key, "error.") },
		Reference: func(size int, cause error) []Header {
			return []Header{
				{Key: headerClass, Value: []byte("unwritable")}, {Key: headerMsg, Value: []byte(cause.Error())},
				{Key: "error.cause.class", Value: []byte(class)}, {Key: "source.size", Value: []byte(strconv.Itoa(size))},
			}
		},
	}
}

// firstHeld is a Handler that records the values it handles, in order, and
// holds the first until release: with one handler slot, every other record
// then waits for it. each, when set, is called with every record.
type firstHeld struct {
	mu    sync.Mutex
	order []string
	open  chan struct{}
	each  func(m *Message)
}

func newFirstHeld(each func(m *Message)) *firstHeld {
	return &firstHeld{open: make(chan struct{}), each: each}
}

func (h *firstHeld) Handle(ctx context.Context, m *Message) (Outcome, error) {
	h.mu.Lock()
	h.order = append(h.order, string(m.Value))
	first := len(h.order) == 1
	h.mu.Unlock()
	if h.each != nil {
		h.each(m)
	}
	if first {
		select {
		case <-h.open:
		case <-ctx.Done():
			return Outcome{}, ctx.Err()
		}
	}
	return Outcome{Result: m.Value}, nil
}

// release lets the first record finish.
func (h *firstHeld) release() { close(h.open) }

// handled returns the values handled, in order.
func (h *firstHeld) handled() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.order)
}
