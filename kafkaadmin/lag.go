package kafkaadmin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

// LagWatcher computes the consumer group's lag per input partition: the end
// offset minus the group's committed offset (minus the first offset when the
// group has committed nothing yet). kafka-go's Reader.Stats().Lag is one
// reader's view, not the group's. It also tells whether any broker answers.
type LagWatcher struct {
	opts   LagOptions
	client *kafka.Client

	failing atomic.Bool // the last probe reached no broker
}

// LagOptions configures a LagWatcher. Zero values take the defaults in brackets.
type LagOptions struct {
	Brokers  []string      // required
	GroupID  string        // required
	Topics   []string      // the group's input topics
	Interval time.Duration // how often lag is computed [15s]
	// Dialer probes the brokers over a new connection; nil is kafka-go's default.
	Dialer *kafka.Dialer
	// Transport carries the metadata and offset requests; nil is plain TCP.
	Transport kafka.RoundTripper
	// Report receives every refresh: lag by topic and partition. Required.
	Report func(lags map[string]map[int]int64)
	Logger logrus.FieldLogger // nil is silent
}

// NewLagWatcher returns a watcher; Run starts it.
func NewLagWatcher(o LagOptions) *LagWatcher {
	if o.Interval <= 0 {
		o.Interval = 15 * time.Second
	}
	if o.Logger == nil {
		l := logrus.New()
		l.Out = io.Discard
		o.Logger = l
	}
	if o.Report == nil {
		o.Report = func(map[string]map[int]int64) {}
	}
	return &LagWatcher{opts: o, client: &kafka.Client{Addr: kafka.TCP(o.Brokers...), Transport: o.Transport, Timeout: 10 * time.Second}}
}

// Run refreshes the lag every Interval until ctx ends.
func (w *LagWatcher) Run(ctx context.Context) {
	t := time.NewTicker(w.opts.Interval)
	defer t.Stop()
	for {
		err := w.probe(ctx)
		if ctx.Err() != nil {
			return
		}
		unreachable := err != nil
		if !unreachable {
			if err := w.refresh(ctx); err != nil && ctx.Err() == nil {
				w.opts.Logger.WithError(err).Debug("consumer lag not refreshed")
			}
		}
		if was := w.failing.Swap(unreachable); unreachable && !was {
			w.opts.Logger.WithError(err).Warn("Kafka does not answer; not ready until it does")
		} else if !unreachable && was {
			w.opts.Logger.Info("Kafka answers again")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refresh computes the lag of every input partition once.
func (w *LagWatcher) refresh(ctx context.Context) error {
	lags, err := w.lags(ctx)
	if err != nil {
		return err
	}
	w.opts.Report(lags)
	return nil
}

func (w *LagWatcher) lags(ctx context.Context) (map[string]map[int]int64, error) {
	meta, err := w.client.Metadata(ctx, &kafka.MetadataRequest{Topics: w.opts.Topics})
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	parts := make(map[string][]int)
	ends := make(map[string][]kafka.OffsetRequest)
	for _, t := range meta.Topics {
		if t.Error != nil {
			return nil, fmt.Errorf("metadata of %s: %w", t.Name, t.Error)
		}
		for _, p := range t.Partitions {
			parts[t.Name] = append(parts[t.Name], p.ID)
			ends[t.Name] = append(ends[t.Name], kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
		}
	}
	// OffsetFetch with nil partitions returns nothing: list them.
	committed, err := w.client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: w.opts.GroupID, Topics: parts})
	if err != nil {
		return nil, fmt.Errorf("offset fetch: %w", err)
	}
	if committed.Error != nil {
		return nil, fmt.Errorf("offset fetch: %w", committed.Error)
	}
	offsets, err := w.client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: ends})
	if err != nil {
		return nil, fmt.Errorf("list offsets: %w", err)
	}
	out := make(map[string]map[int]int64)
	for topic, ps := range offsets.Topics {
		pos := make(map[int]int64)
		for _, c := range committed.Topics[topic] {
			if c.Error == nil {
				pos[c.Partition] = c.CommittedOffset
			}
		}
		out[topic] = make(map[int]int64)
		for _, p := range ps {
			if p.Error != nil {
				continue
			}
			from, ok := pos[p.Partition]
			if !ok || from < 0 {
				from = p.FirstOffset
			}
			out[topic][p.Partition] = max(p.LastOffset-from, 0)
		}
	}
	return out, nil
}

// Reachable reports whether the last refresh could query the brokers.
func (w *LagWatcher) Reachable() bool { return w == nil || !w.failing.Load() }

// probe asks the brokers for metadata over a new connection. (kafka.Client
// answers metadata from its transport's cache, so it cannot tell.)
func (w *LagWatcher) probe(ctx context.Context) error {
	d := w.opts.Dialer
	if d == nil {
		d = kafka.DefaultDialer
	}
	var errs []error
	for _, addr := range w.opts.Brokers {
		err := func() error {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			conn, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				return err
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			_, err = conn.Brokers()
			return err
		}()
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("no broker answers: %w", errors.Join(errs...))
}
