package sandbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/leadworker/leadworker/schemas"
	"github.com/leadworker/leadworker/worker"
	"github.com/segmentio/kafka-go"
)

// waitRouted waits until the route topic holds the event eventID: the route
// stage forwards the input's bytes unchanged, so the record's value carries
// the eventId.
func waitRouted(ctx context.Context, cfg worker.Config, eventID string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := kafka.DialContext(ctx, "tcp", cfg.Brokers[0])
	if err != nil {
		return fmt.Errorf("route topic: %w", err)
	}
	parts, err := conn.ReadPartitions(cfg.RouteTopic)
	conn.Close()
	if err != nil {
		return fmt.Errorf("route topic: %w", err)
	}
	found := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for _, p := range parts {
		wg.Go(func() {
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: cfg.Brokers, Topic: cfg.RouteTopic, Partition: p.ID, MaxWait: 50 * time.Millisecond})
			defer r.Close()
			for {
				m, err := r.FetchMessage(ctx)
				if err != nil {
					return
				}
				if schemas.PeekEventID(m.Value) == eventID {
					once.Do(func() { close(found) })
					return
				}
			}
		})
	}
	defer wg.Wait()
	defer cancel()
	select {
	case <-found:
		return nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("event %s did not reach the route topic %s within 30s", eventID, cfg.RouteTopic)
		}
		return ctx.Err()
	}
}
