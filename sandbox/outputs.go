package sandbox

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/leadworker/leadworker/console"
	"github.com/leadworker/leadworker/worker"
	"github.com/segmentio/kafka-go"
)

// OutputReader follows the result and dead-letter topics from the start
// (used by the demo and the bench).
type OutputReader struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	results []kafka.Message
	dead    []kafka.Message
	err     error         // why following stopped early
	arrived chan struct{} // closed and replaced on every record
}

func NewOutputReader(cfg worker.Config) *OutputReader {
	ctx, cancel := context.WithCancel(context.Background())
	o := &OutputReader{cancel: cancel, done: make(chan struct{}), arrived: make(chan struct{})}
	opts := console.FollowOptions{
		Kafka:       console.Kafka{Brokers: cfg.Brokers},
		ResultTopic: cfg.ResultTopic, DLQTopic: cfg.DLQTopic, Last: -1, Follow: true,
	}
	go func() {
		defer close(o.done)
		err := console.Follow(ctx, opts, o.add)
		o.mu.Lock()
		o.err = err
		close(o.arrived)
		o.arrived = make(chan struct{})
		o.mu.Unlock()
	}()
	return o
}

func (o *OutputReader) add(outs []console.Output) {
	if len(outs) == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, out := range outs {
		if out.DeadLetter {
			o.dead = append(o.dead, out.Message)
		} else {
			o.results = append(o.results, out.Message)
		}
	}
	close(o.arrived)
	o.arrived = make(chan struct{})
}

// WaitFor waits until n outputs arrived, printing progress to out.
func (o *OutputReader) WaitFor(ctx context.Context, n int, out io.Writer) error {
	for {
		o.mu.Lock()
		got, arrived, err := len(o.results)+len(o.dead), o.arrived, o.err
		o.mu.Unlock()
		if out != nil {
			fmt.Fprintf(out, "  outputs so far: %d of %d\n", got, n)
		}
		if got >= n {
			return nil
		}
		if err != nil {
			return fmt.Errorf("waiting for %d outputs, saw %d: %w", n, got, err)
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
	<-o.done
}
