package sandbox

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/leadworker/leadworker/worker"
	"github.com/segmentio/kafka-go"
)

// OutputReader follows the result and dead-letter topics from the start
// (used by the demo and the bench).
type OutputReader struct {
	cfg    worker.Config
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	results []kafka.Message
	dead    []kafka.Message
	arrived chan struct{} // closed and replaced on every record
}

func NewOutputReader(cfg worker.Config) *OutputReader {
	ctx, cancel := context.WithCancel(context.Background())
	o := &OutputReader{cfg: cfg, cancel: cancel, arrived: make(chan struct{})}
	for _, topic := range []string{cfg.ResultTopic, cfg.DLQTopic} {
		parts, err := partitionsOf(cfg.Brokers[0], topic)
		if err != nil {
			continue
		}
		for _, p := range parts {
			o.wg.Add(1)
			go o.follow(ctx, topic, p)
		}
	}
	return o
}

func partitionsOf(broker, topic string) ([]int, error) {
	conn, err := kafka.Dial("tcp", broker)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ps, err := conn.ReadPartitions(topic)
	if err != nil {
		return nil, err
	}
	ids := make([]int, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids, nil
}

func (o *OutputReader) follow(ctx context.Context, topic string, partition int) {
	defer o.wg.Done()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: o.cfg.Brokers, Topic: topic, Partition: partition, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			return
		}
		o.mu.Lock()
		if topic == o.cfg.ResultTopic {
			o.results = append(o.results, m)
		} else {
			o.dead = append(o.dead, m)
		}
		close(o.arrived)
		o.arrived = make(chan struct{})
		o.mu.Unlock()
	}
}

// WaitFor waits until n outputs arrived, printing progress to out.
func (o *OutputReader) WaitFor(ctx context.Context, n int, out io.Writer) error {
	for {
		o.mu.Lock()
		got, arrived := len(o.results)+len(o.dead), o.arrived
		o.mu.Unlock()
		if out != nil {
			fmt.Fprintf(out, "  outputs so far: %d of %d\n", got, n)
		}
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d outputs, saw %d: %w", n, got, ctx.Err())
		case <-arrived:
		}
	}
}

// Snapshot returns the outputs so far, each sorted by key.
func (o *OutputReader) Snapshot() (results, dead []kafka.Message) {
	o.mu.Lock()
	defer o.mu.Unlock()
	results = append(results, o.results...)
	dead = append(dead, o.dead...)
	byKey := func(ms []kafka.Message) {
		sort.Slice(ms, func(i, j int) bool { return string(ms[i].Key) < string(ms[j].Key) })
	}
	byKey(results)
	byKey(dead)
	return results, dead
}

func (o *OutputReader) Close() {
	o.cancel()
	o.wg.Wait()
}
