package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/schemas"
	"github.com/leadworker/leadworker/worker"
	"github.com/segmentio/kafka-go"
)

// benchSequential is the baseline bench compares against: the loop most Kafka
// workers start as. A kafka-go Reader in a consumer group fetches one record,
// the same handlers.Handler handles it against the same fake, the result is
// written (acks=all, the worker's batch timeout) and the offset committed
// before the next fetch. It returns events per second from the first fetch
// to the last commit.
func benchSequential(ctx context.Context, cfg worker.Config, in, out string, msgs []kafka.Message) (float64, error) {
	h, err := benchHandler(cfg, cfg.BaseURL, nil)
	if err != nil {
		return 0, err
	}
	if err := produceBench(ctx, cfg.Brokers, in, msgs); err != nil {
		return 0, err
	}

	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: cfg.Brokers, GroupID: cfg.GroupID + "-sequential", Topic: in,
		StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond,
	})
	defer r.Close()
	w := &kafka.Writer{Addr: kafka.TCP(cfg.Brokers...), Topic: out, Balancer: &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond}
	defer w.Close()

	var start time.Time
	for i := range msgs {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			return 0, fmt.Errorf("fetch: %w", err)
		}
		if i == 0 {
			start = time.Now()
		}
		result, err := handleSequential(ctx, h, m)
		if err != nil {
			return 0, err
		}
		if err := w.WriteMessages(ctx, kafka.Message{Key: m.Key, Value: result}); err != nil {
			return 0, fmt.Errorf("write result: %w", err)
		}
		if err := r.CommitMessages(ctx, m); err != nil {
			return 0, fmt.Errorf("commit: %w", err)
		}
	}
	return float64(len(msgs)) / time.Since(start).Seconds(), nil
}

// handleSequential decodes, handles and builds the result record as the
// worker's processor does.
func handleSequential(ctx context.Context, h *handlers.Handler, m kafka.Message) ([]byte, error) {
	ev, err := schemas.Decode(m.Value)
	if err != nil {
		return nil, fmt.Errorf("decode offset %d: %w", m.Offset, err)
	}
	o, err := h.Handle(ctx, ev)
	if err != nil {
		return nil, fmt.Errorf("handle %s: %w", ev.EventID, err)
	}
	return json.Marshal(o.Result(ev, schemas.Source{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset}, time.Now()))
}

// benchHandler returns the worker's handler of cfg, bare (no guards, no
// metrics), calling the myKaarma at baseURL through hc (nil: the client's
// own).
func benchHandler(cfg worker.Config, baseURL string, hc *http.Client) (*handlers.Handler, error) {
	cfg.BaseURL = baseURL
	return worker.NewHandler(cfg, hc, nil)
}
