package integration

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Broker kinds, as logged by every test.
const (
	kindExternal       = "external"
	kindTestcontainers = "testcontainers"
	kindEmbedded       = "embedded-kfake"
)

// broker is the Kafka cluster a test runs against.
type broker struct {
	kind  string
	addrs []string
}

// String is what workers get in KAFKA_BROKERS.
func (b *broker) String() string { return strings.Join(b.addrs, ",") }

// newBroker returns the broker for t: LEADWORKER_IT_BROKERS when set, else a testcontainers container when
// LEADWORKER_IT_DOCKER=1 (containerBroker: skipping t without a Docker API, failing it when
// LEADWORKER_REQUIRE_CONTAINERS=1), else an embedded kfake cluster
// that lives as long as t, started with opts (ignored by the other two kinds: a test that needs
// a broker behaviour checks for it).
func newBroker(t *testing.T, opts ...kfake.Opt) *broker {
	t.Helper()
	var b *broker
	switch {
	case os.Getenv("LEADWORKER_IT_BROKERS") != "":
		b = &broker{kind: kindExternal, addrs: strings.Split(os.Getenv("LEADWORKER_IT_BROKERS"), ",")}
	case os.Getenv("LEADWORKER_IT_DOCKER") == "1":
		b = containerBroker(t)
	default:
		c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
		if err != nil {
			t.Fatalf("kfake.NewCluster: %v", err)
		}
		t.Cleanup(c.Close)
		b = &broker{kind: kindEmbedded, addrs: c.ListenAddrs()}
	}
	t.Logf("broker: %s %s", b.kind, b)
	return b
}

// topics are one test's topic and group names.
type topics struct {
	Input, Result, DLQ, Route, Group string
	// Parked is the parked topic, Group+".parked" (the worker's default); "" in the tests
	// that build topics by hand leaves KAFKA_PARKED_TOPIC to that default too.
	Parked     string
	Partitions int // of the input topic
}

// newTopics creates the test's input, result, dead-letter, route and parked topics, all with
// partitions partitions (the parked topic has the route topic's count, as the worker
// requires, and parkedRetention), and waits until every partition has a leader.
func newTopics(t *testing.T, b *broker, partitions int) topics {
	t.Helper()
	s := suffix(t)
	tp := topics{
		Input:      "it.crm.events." + s,
		Result:     "it.results." + s,
		DLQ:        "it.dlq." + s,
		Route:      "it.route." + s,
		Group:      "it-leadworker-" + s,
		Partitions: partitions,
	}
	tp.Parked = tp.Group + ".parked"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := createTopics(ctx, b, partitions, tp.Input, tp.Result, tp.DLQ, tp.Route); err != nil {
		t.Fatalf("create topics: %v", err)
	}
	if err := createSpecs(ctx, b, []topicSpec{parkedSpec(tp.Parked, partitions, nil)}); err != nil {
		t.Fatalf("create topics: %v", err)
	}
	return tp
}

// parkedRetention is the parked topic's retention.ms, as `leadworker topics create` sets it:
// the worker refuses one below 2 × PARK_MAX_AGE (6 days by default), and a broker's default
// (log.retention.hours) may be shorter.
const parkedRetention = "604800000" // 7 days

// parkedSpec is a parked topic of partitions partitions with configs (the route topic's
// limits) and parkedRetention.
func parkedSpec(name string, partitions int, configs map[string]string) topicSpec {
	c := map[string]string{"retention.ms": parkedRetention}
	for k, v := range configs {
		c[k] = v
	}
	return topicSpec{Name: name, Partitions: partitions, Configs: c}
}

// withBulk adds to specs, for each parked topic <group>.parked among them,
// the deployment's bulk route topic <group>.route.bulk (the worker's default):
// like the parked topic it has the route topic's partition count and
// limits, and the default retention.
func withBulk(specs []topicSpec) []topicSpec {
	out := slices.Clone(specs)
	for _, s := range specs {
		group, ok := strings.CutSuffix(s.Name, ".parked")
		if !ok || slices.ContainsFunc(specs, func(x topicSpec) bool { return x.Name == group+".route.bulk" }) {
			continue
		}
		c := maps.Clone(s.Configs)
		delete(c, "retention.ms")
		out = append(out, topicSpec{Name: group + ".route.bulk", Partitions: s.Partitions, Configs: c})
	}
	return out
}

// suffix makes names unique to one test and one run.
func suffix(t *testing.T) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, strings.TrimPrefix(t.Name(), "Test"))
	return name + "-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
}

// createTopics creates topics of partitions partitions each on the controller and polls
// metadata until all partitions have leaders. It retries while the broker is still starting.
func createTopics(ctx context.Context, b *broker, partitions int, names ...string) error {
	var specs []topicSpec
	for _, n := range names {
		specs = append(specs, topicSpec{Name: n, Partitions: partitions})
	}
	return createSpecs(ctx, b, specs)
}

// createSpecs creates the topics of specs and waits until every partition of each has a
// leader. It retries while the broker is still starting.
func createSpecs(ctx context.Context, b *broker, specs []topicSpec) error {
	specs = withBulk(specs)
	var cfgs []kafka.TopicConfig
	for _, s := range specs {
		c := kafka.TopicConfig{Topic: s.Name, NumPartitions: s.Partitions, ReplicationFactor: 1}
		for k, v := range s.Configs {
			c.ConfigEntries = append(c.ConfigEntries, kafka.ConfigEntry{ConfigName: k, ConfigValue: v})
		}
		cfgs = append(cfgs, c)
	}
	var last error
	for {
		if last = tryCreateTopics(ctx, b, cfgs); last == nil {
			break
		}
		if err := pause(ctx, 200*time.Millisecond); err != nil {
			return fmt.Errorf("%w (last error: %v)", err, last)
		}
	}
	for _, s := range specs {
		for {
			if last = topicsReady(ctx, b, s.Partitions, []string{s.Name}); last == nil {
				break
			}
			if err := pause(ctx, 100*time.Millisecond); err != nil {
				return fmt.Errorf("topic %s not ready: %w (last: %v)", s.Name, err, last)
			}
		}
	}
	return nil
}

func tryCreateTopics(ctx context.Context, b *broker, cfgs []kafka.TopicConfig) error {
	conn, err := kafka.DialContext(ctx, "tcp", b.addrs[0])
	if err != nil {
		return err
	}
	defer conn.Close()
	ctrl, err := conn.Controller()
	if err != nil {
		return fmt.Errorf("controller: %w", err)
	}
	cc, err := kafka.DialContext(ctx, "tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port)))
	if err != nil {
		return err
	}
	defer cc.Close()
	for _, c := range cfgs {
		if err := cc.CreateTopics(c); err != nil && !isTopicExists(err) {
			return fmt.Errorf("create %s: %w", c.Topic, err)
		}
	}
	return nil
}

func isTopicExists(err error) bool { return errors.Is(err, kafka.TopicAlreadyExists) }

func topicsReady(ctx context.Context, b *broker, partitions int, names []string) error {
	conn, err := kafka.DialContext(ctx, "tcp", b.addrs[0])
	if err != nil {
		return err
	}
	defer conn.Close()
	ps, err := conn.ReadPartitions(names...)
	if err != nil {
		return err
	}
	led := map[string]int{}
	for _, p := range ps {
		if p.Leader.Host != "" && p.Error == nil {
			led[p.Topic]++
		}
	}
	for _, n := range names {
		if led[n] != partitions {
			return fmt.Errorf("topic %s: %d of %d partitions have a leader", n, led[n], partitions)
		}
	}
	return nil
}

// pause waits d or until ctx ends; it is the back-off between polls of a condition.
func pause(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
