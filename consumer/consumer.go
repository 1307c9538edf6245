package consumer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

// Consumer consumes the input topics as a member of a consumer group.
type Consumer struct {
	opts   Options
	log    logrus.FieldLogger
	writer *kafka.Writer
	// handling bounds the records inside the Handler (MaxInFlight, adaptive);
	// buffered bounds the records fetched and not yet finished (MaxBuffered),
	// so that records waiting behind their key, or for their output write,
	// take memory but no handler slot.
	handling *limiter
	buffered *limiter
	workers  *workers

	joined   atomic.Bool  // a generation is active
	assigned atomic.Int64 // partitions owned by the active generation

	mu         sync.Mutex
	partitions map[*partition]struct{} // owned now, for Stats
}

// New validates opts and returns a Consumer; nothing connects until Run.
func New(opts Options) (*Consumer, error) {
	opts.setDefaults()
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("consumer options: %w", err)
	}
	w := &kafka.Writer{
		Addr:         kafka.TCP(opts.Brokers...),
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll, // a literal Writer defaults to no acks
		BatchTimeout: 5 * time.Millisecond,
		BatchSize:    100,
		MaxAttempts:  3,
		WriteTimeout: 10 * time.Second,
		ReadTimeout:  10 * time.Second,
		Transport:    opts.Transport,
		Logger:       kafka.LoggerFunc(opts.Logger.WithField("component", "kafka-writer").Debugf),
		ErrorLogger:  kafka.LoggerFunc(opts.Logger.WithField("component", "kafka-writer").Debugf),
	}
	return &Consumer{
		opts:       opts,
		log:        opts.Logger,
		writer:     w,
		handling:   newLimiter(opts.MaxInFlight),
		buffered:   newLimiter(opts.MaxBuffered),
		workers:    newWorkers(),
		partitions: make(map[*partition]struct{}),
	}, nil
}

// Run joins the group and handles records until ctx ends. It then stops
// fetching, lets in-flight records finish within DrainTimeout, commits what
// finished, leaves the group and closes the writer. It returns only when
// everything it started has stopped.
func (c *Consumer) Run(ctx context.Context) error {
	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                c.opts.GroupID,
		Brokers:           c.opts.Brokers,
		Dialer:            c.opts.Dialer,
		Topics:            c.opts.Topics,
		HeartbeatInterval: c.opts.HeartbeatInterval,
		SessionTimeout:    c.opts.SessionTimeout,
		RebalanceTimeout:  c.opts.RebalanceTimeout,
		JoinGroupBackoff:  time.Second,
		StartOffset:       kafka.FirstOffset,
		Timeout:           10 * time.Second,
		Logger:            kafka.LoggerFunc(c.log.WithField("component", "kafka-group").Debugf),
		ErrorLogger:       kafka.LoggerFunc(c.log.WithField("component", "kafka-group").Debugf),
	})
	if err != nil {
		return fmt.Errorf("consumer group: %w", err)
	}

	// Closing the group ends the active generation, which waits for every
	// partition goroutine to drain and commit before the group is left.
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		<-ctx.Done()
		_ = cg.Close()
	}()

	for {
		gen, err := cg.Next(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
				break
			}
			// RebalanceInProgress, coordinator moves, a broker that is down:
			// kafka-go backs off and rejoins by itself.
			c.log.WithError(err).Warn("consumer group: joining failed, retrying")
			continue
		}
		c.startGeneration(ctx, gen)
	}
	<-closed
	c.joined.Store(false)
	c.workers.stop() // every partition has drained: the workers are idle
	if err := c.writer.Close(); err != nil {
		return fmt.Errorf("close writer: %w", err)
	}
	return nil
}

func (c *Consumer) startGeneration(shutdown context.Context, gen *kafka.Generation) {
	var n int
	for topic, parts := range gen.Assignments {
		for _, pa := range parts {
			n++
			p := newPartition(c, gen, topic, pa.ID, pa.Offset)
			gen.Start(func(genCtx context.Context) { p.run(shutdown, genCtx) })
		}
	}
	c.joined.Store(true)
	c.assigned.Store(int64(n))
	c.log.WithFields(logrus.Fields{"generation": gen.ID, "member": gen.MemberID, "partitions": n}).Info("joined consumer group")
}

func (c *Consumer) track(p *partition, owned bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if owned {
		c.partitions[p] = struct{}{}
	} else {
		delete(c.partitions, p)
	}
}

// Joined reports whether the consumer is a member of an active generation.
func (c *Consumer) Joined() bool { return c.joined.Load() }

// SetMaxInFlight changes how many records may be handled at once (for
// adaptive concurrency); it is capped at Options.MaxInFlight.
func (c *Consumer) SetMaxInFlight(n int) {
	if n > c.opts.MaxInFlight {
		n = c.opts.MaxInFlight
	}
	c.handling.setLimit(n)
}

// Stats is a snapshot of the consumer's state.
type Stats struct {
	InFlight       int           // records inside the handler
	Limit          int           // current in-flight limit
	Buffered       int           // records fetched and not finished (in flight, queued behind their key, or being written)
	Partitions     int           // partitions owned
	OldestInFlight time.Duration // age of the oldest unfinished record
}

// Stats returns a snapshot of the consumer's state.
func (c *Consumer) Stats() Stats {
	used, limit := c.handling.snapshot()
	buffered, _ := c.buffered.snapshot()
	s := Stats{InFlight: used, Limit: limit, Buffered: buffered}
	now := c.opts.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	s.Partitions = len(c.partitions)
	for p := range c.partitions {
		if t, ok := p.oldest(); ok && now.Sub(t) > s.OldestInFlight {
			s.OldestInFlight = now.Sub(t)
		}
	}
	return s
}
