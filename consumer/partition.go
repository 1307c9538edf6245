package consumer

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

// partition is one owned partition for the lifetime of one generation.
type partition struct {
	c     *Consumer
	gen   *kafka.Generation
	topic string
	id    int
	start int64 // committed offset at assignment, or kafka.FirstOffset
	log   logrus.FieldLogger

	wm    *watermark
	lanes *lanes

	// work is the context records are handled under. It outlives the
	// generation so that in-flight records can finish during a drain, and is
	// cancelled when the drain deadline passes.
	work     context.Context
	stopWork context.CancelFunc

	committed int64 // last committed offset; only run's goroutine touches it
	prefetch  prefetch

	rec    recovery      // answered work found at assignment, positions for commits (commit.go)
	kicked chan struct{} // the watermark may have moved: commit soon (commit.go)
}

func newPartition(c *Consumer, gen *kafka.Generation, topic string, id int, start int64, pf prefetch) *partition {
	p := &partition{
		c: c, gen: gen, topic: topic, id: id, start: start, prefetch: pf,
		log:       c.log.WithFields(logrus.Fields{"topic": topic, "partition": id}),
		wm:        newWatermark(),
		committed: -1,
		kicked:    make(chan struct{}, 1),
	}
	p.work, p.stopWork = context.WithCancel(context.Background())
	p.lanes = newLanes(c.workers, p.handle)
	return p
}

// run owns the partition until the generation ends or shutdown begins, then
// drains and commits. Returning ends the generation for kafka-go, so it must
// not return before that.
func (p *partition) run(shutdown, genCtx context.Context) {
	p.c.track(p, true)
	defer p.c.track(p, false)
	defer p.stopWork()

	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:        p.c.opts.Brokers,
		Topic:          p.topic,
		Partition:      p.id,
		Dialer:         p.c.opts.Dialer,
		MinBytes:       1,
		MaxBytes:       p.prefetch.maxBytes,
		QueueCapacity:  p.prefetch.queue,
		MaxWait:        p.c.opts.MaxWait,
		ReadBackoffMin: 100 * time.Millisecond,
		ReadBackoffMax: time.Second,
		Logger:         kafka.LoggerFunc(p.log.WithField("component", "kafka-reader").Debugf),
		ErrorLogger:    kafka.LoggerFunc(p.log.WithField("component", "kafka-reader").Debugf),
	})
	defer closeWithin(reader, 5*time.Second, p.log)
	if err := reader.SetOffset(p.start); err != nil {
		p.log.WithError(err).Error("set fetch offset")
		<-anyDone(shutdown, genCtx)
		return
	}

	if !p.awaitAnswered(shutdown, genCtx) { // answered.go
		return
	}
	defer p.logSkipped()

	fetchCtx, stopFetch := context.WithCancel(context.Background())
	fetched := make(chan struct{})
	go func() {
		defer close(fetched)
		p.fetch(fetchCtx, reader)
	}()

	ticker := time.NewTicker(p.c.opts.CommitInterval)
	var soon <-chan time.Time // a prompt commit is due (commit.go)
	reason := "rebalance"
loop:
	for {
		select {
		case <-ticker.C:
			p.commit()
		case <-p.kicked:
			soon = p.commitSoon(soon)
		case <-soon:
			soon = nil
			p.commit()
		case <-genCtx.Done():
			break loop
		case <-shutdown.Done():
			reason = "shutdown"
			break loop
		}
	}
	ticker.Stop()
	stopFetch()
	<-fetched
	p.drain(reason)
	p.commit()
}

// fetch reads records and dispatches them until ctx ends. It takes a buffer
// slot and the record's bytes after each fetch and before dispatching, so a
// full process stops reading with at most one record per partition waiting;
// a fetcher idle on an empty partition holds nothing. A record that got no
// room (ctx ended) was not dispatched and is redelivered.
func (p *partition) fetch(ctx context.Context, reader *kafka.Reader) {
	bo := p.c.retryBackOff()
	for {
		m, err := reader.FetchMessage(ctx)
		reread := err == nil && needsExact(&m)
		if reread {
			err = p.c.opts.exact(ctx, p.c.fetcher, &m)
		}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) {
				return
			}
			p.log.WithError(err).Warn("fetch failed, retrying")
			if !sleep(ctx, bo.NextBackOff()) {
				return
			}
			if reread {
				// The Reader has moved past m: read it again from its offset.
				if err := reader.SetOffset(m.Offset); err != nil {
					p.log.WithError(err).Error("set fetch offset")
					return
				}
			}
			continue
		}
		bo.Reset()
		r := &record{
			msg: Message{
				Topic: m.Topic, Partition: m.Partition, Offset: m.Offset,
				Key: m.Key, Value: m.Value, Time: m.Time,
				Headers: fromKafkaHeaders(m.Headers),
			},
			offset: m.Offset,
		}
		if p.c.opts.Routed && !unroute(&r.msg) {
			p.log.WithField("offset", m.Offset).Warn("route record without its input position; handled as it is")
		}
		r.bytes = recordBytes(&r.msg)
		if err := p.c.buffered.acquire(ctx); err != nil {
			return
		}
		if err := p.c.bytes.acquire(ctx, r.bytes); err != nil {
			p.c.buffered.release()
			return
		}
		r.fetched = p.c.opts.Now()
		p.wm.add(m.Offset, r.fetched)
		p.lanes.dispatch(p.c.opts.OrderKey(&r.msg), r)
	}
}

// drain waits for in-flight records up to DrainTimeout, then cancels the rest.
func (p *partition) drain(reason string) {
	n := p.wm.inFlight()
	if n == 0 {
		return
	}
	p.log.WithFields(logrus.Fields{"reason": reason, "in_flight": n}).Info("draining partition")
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		p.lanes.wait()
	}()
	timer := time.NewTimer(p.c.opts.DrainTimeout)
	defer timer.Stop()
	select {
	case <-finished:
	case <-timer.C:
		p.log.WithField("in_flight", p.wm.inFlight()).Warn("drain deadline passed; unfinished records will be redelivered")
		p.stopWork()
		<-finished
	}
}

func (p *partition) oldest() (time.Time, bool) { return p.wm.oldest() }

func (c *Consumer) retryBackOff() backoff.BackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 100 * time.Millisecond
	b.MaxInterval = c.opts.RetryBackoffMax
	b.MaxElapsedTime = 0 // never give up: a record is never skipped
	return b
}

func fromKafkaHeaders(hs []kafka.Header) []Header {
	if len(hs) == 0 {
		return nil
	}
	out := make([]Header, len(hs))
	for i, h := range hs {
		out[i] = Header{Key: h.Key, Value: h.Value}
	}
	return out
}

// sleep waits for d or ctx; it reports whether the full wait happened.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func anyDone(a, b context.Context) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		select {
		case <-a.Done():
		case <-b.Done():
		}
	}()
	return ch
}

// closeWithin closes c but gives up waiting after d: kafka-go's Close can
// stall (kafka-go #428, #1248).
func closeWithin(c io.Closer, d time.Duration, log logrus.FieldLogger) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = c.Close()
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		log.Warn("reader close timed out")
	}
}
