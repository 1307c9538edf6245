package recovery

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Samples taken at once, while the outputs grow, never look like an output
// topic going back: only a sample taken after another was answered is
// compared with it.
func TestConcurrentSamplesNeverGoBack(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "results", "dlq"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	var wentBack atomic.Int32
	var problem atomic.Value
	r := New(Options{
		Client:  &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second},
		GroupID: "g", Outputs: []string{"results", "dlq"},
		OnWentBack: func(topic, p string) {
			wentBack.Add(1)
			problem.Store(p)
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: "results", Balancer: &kafka.RoundRobin{}, BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireAll}
	defer w.Close()
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		for i := 0; i < 300 && ctx.Err() == nil; i++ {
			if err := w.WriteMessages(ctx, kafka.Message{Value: []byte(fmt.Sprint(i))}); err != nil {
				t.Errorf("produce: %v", err)
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-produced:
					return
				default:
				}
				if _, err := r.sampleOutputs(ctx); err != nil && ctx.Err() == nil {
					t.Errorf("sample: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := wentBack.Load(); n > 0 {
		t.Errorf("%d samples went back while the topic only grew; the first: %v", n, problem.Load())
	}
}
