package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/schemas"
	"github.com/leadworker/leadworker/worker"
	"github.com/segmentio/kafka-go"
)

// benchCeiling measures what this machine allows before Kafka and the
// pipeline take their share: the same events, decoded beforehand, handled by
// MAX_IN_FLIGHT goroutines calling handlers.Handler directly against a fresh
// fake with the same latency. No broker, no schema validation, no output
// records, no commits. On a small machine the fake's HTTP server and the
// client's HTTP stack alone keep calls above the injected latency, and this
// shows by how much.
func benchCeiling(ctx context.Context, cfg worker.Config, o BenchOptions, msgs []kafka.Message) (float64, error) {
	fake := mykaarmatest.New(mykaarmatest.Options{Username: cfg.Username, Password: cfg.Password})
	api := httptest.NewServer(fake)
	defer func() {
		fake.Close()
		api.Close()
	}()
	fake.AddFault(mykaarmatest.Fault{Latency: o.Latency})

	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = o.MaxInFlight, o.MaxInFlight
	defer t.CloseIdleConnections()
	h, err := benchHandler(cfg, api.URL, &http.Client{Transport: t})
	if err != nil {
		return 0, err
	}
	events := make([]*schemas.Event, len(msgs))
	for i, m := range msgs {
		if events[i], err = schemas.Decode(m.Value); err != nil {
			return 0, fmt.Errorf("decode bench event: %w", err)
		}
	}

	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		firstErr = make(chan error, 1) // keeps the first failure only
	)
	start := time.Now()
	for range min(o.MaxInFlight, len(events)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(events)); i = next.Add(1) - 1 {
				if _, err := h.Handle(ctx, events[i]); err != nil {
					select {
					case firstErr <- fmt.Errorf("handle %s: %w", events[i].EventID, err):
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-firstErr:
		return 0, err
	default:
	}
	return float64(len(events)) / time.Since(start).Seconds(), nil
}
