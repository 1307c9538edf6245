package consumer

import (
	"context"
	"github.com/leadworker/leadworker/park"
	"github.com/leadworker/leadworker/recovery"
	"github.com/leadworker/leadworker/watermark"
	"sync/atomic"
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

	wm    *watermark.Offsets
	lanes *lanes

	// work is the context records are handled under. It outlives the
	// generation so that in-flight records can finish during a drain, and is
	// cancelled when the drain deadline passes.
	work     context.Context
	stopWork context.CancelFunc

	// committed, committedMeta and committedAt are the last commit; only
	// run's goroutine touches them.
	committed     int64
	committedMeta string
	committedAt   time.Time
	// caught: fetching found the partition caught up and offered fresh
	// output positions (recovery.Partition.Caught): commit them at once.
	caught atomic.Bool

	book   *park.Book          // the generation's count of parked records; nil without Options.ParkTopic
	scan   *recovery.Scan      // the generation's read of answered work
	rec    *recovery.Partition // this partition's part in it, from the scan once fetching may start
	kicked chan struct{}       // the watermark may have moved: commit soon (commit.go)
}

func newPartition(c *Consumer, gen *kafka.Generation, topic string, id int, start int64) *partition {
	p := &partition{
		c: c, gen: gen, topic: topic, id: id, start: start,
		log:       c.log.WithFields(logrus.Fields{"topic": topic, "partition": id}),
		wm:        watermark.New(),
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
	defer p.c.losses.ClearPastEnd(p.topic, p.id)

	rec, ok := p.scan.Partition(shutdown, genCtx, p.topic, p.id, p.log)
	if !ok {
		return
	}
	p.rec = rec
	defer p.rec.LogSkipped()

	// Before anything is fetched, commit where the partition starts with
	// this generation's epoch and positions: from now on its committed
	// offset always carries leadworker's metadata, so metadata missing at
	// the next assignment means an operator reset it.
	start, ok := p.resolveStart(shutdown, genCtx)
	if !ok {
		return
	}
	p.wm.Begin(start)
	p.commit()
	if !p.parkReady(shutdown, genCtx, start) { // park.go
		return
	}

	fetchCtx, stopFetch := context.WithCancel(context.Background())
	fetched := make(chan struct{})
	go func() {
		defer close(fetched)
		p.fetch(fetchCtx, start) // fetch.go
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

// drain waits for in-flight records up to DrainTimeout, then cancels the rest.
func (p *partition) drain(reason string) {
	n := p.wm.InFlight()
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
		p.log.WithField("in_flight", p.wm.InFlight()).Warn("drain deadline passed; unfinished records will be redelivered")
		p.stopWork()
		<-finished
	}
}

// resolveStart returns the offset to fetch from, retrying until the
// generation or the process ends.
func (p *partition) resolveStart(shutdown, genCtx context.Context) (int64, bool) {
	ctx, cancel := context.WithCancel(genCtx)
	defer cancel()
	defer context.AfterFunc(shutdown, cancel)()
	bo := p.c.retryBackOff()
	for {
		off, err := p.startOffset(ctx) // fetch.go
		if err == nil {
			return off, true
		}
		if ctx.Err() != nil {
			return 0, false
		}
		p.log.WithError(err).Warn("cannot read where the partition starts, retrying")
		if !sleep(ctx, bo.NextBackOff()) {
			return 0, false
		}
	}
}

func (p *partition) oldest() (time.Time, bool) { return p.wm.Oldest() }

func (c *Consumer) retryBackOff() backoff.BackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 100 * time.Millisecond
	b.MaxInterval = c.opts.RetryBackoffMax
	b.MaxElapsedTime = 0 // never give up: a record is never skipped
	return b
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
