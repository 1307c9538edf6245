package consumer

import (
	"context"
	"errors"
	"fmt"
	"github.com/leadworker/leadworker/budget"
	"github.com/leadworker/leadworker/dispatch"
	"github.com/leadworker/leadworker/fetch"
	"github.com/leadworker/leadworker/park"
	"github.com/leadworker/leadworker/recovery"
	"github.com/leadworker/leadworker/route"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadworker/leadworker/topiccheck"
	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

// Consumer consumes the input topics as a member of a consumer group.
type Consumer struct {
	opts Options
	log  logrus.FieldLogger
	out  *outputs // set by Run once the topics' limits are known
	// handling bounds the records inside the Handler (MaxInFlight, adaptive)
	// and picks which waiting record goes next (package dispatch: in the
	// order asked, or with Options.Fair by priority and tenant);
	// buffered bounds the records fetched and not yet finished (MaxBuffered),
	// so that records waiting behind their key, or for their output write,
	// take memory but no handler slot; bytes bounds their bytes and the
	// fetches under way (MaxBufferedBytes, fetch.go).
	handling *dispatch.Scheduler
	buffered *budget.Slots
	bulk     *budget.Slots // the bulk topic's share of buffered (bulk.go)
	bytes    *budget.Bytes
	workers  *workers
	failing  *failing
	route    *route.Count  // the route writer's partition count and gate (package route, resize.go)
	rejoin   chan struct{} // asks the active membership to leave and join again (watchTopics)
	fetcher  *kafka.Client // fetches, offsets and commits
	losses   fetch.Losses  // records deleted before they were read; positions past the log end

	joined     atomic.Bool               // a generation is active
	book       atomic.Pointer[park.Book] // the active generation's parked records (park.go); nil without
	assigned   atomic.Int64              // partitions owned by the active generation
	unwritable atomic.Int64              // reference letters written
	rec        *recovery.Recovery        // crash recovery: commit metadata, answered work

	mu         sync.Mutex
	partitions map[*partition]struct{} // owned now, for Stats
	missing    []string                // needed topics the cluster lacks
	topics     topiccheck.Watch        // what the periodic topic check finds wrong (topiccheck.go)
	limits     map[string]int          // max.message.bytes by topic, as read at startup
}

// New validates opts and returns a Consumer; nothing connects until Run.
func New(opts Options) (*Consumer, error) {
	opts.setDefaults()
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("consumer options: %w", err)
	}
	c := &Consumer{
		opts:       opts,
		log:        opts.Logger,
		handling:   dispatch.New(dispatch.Options{Limit: opts.MaxInFlight, Fair: opts.Fair, MaxDefer: opts.MaxDefer, Now: opts.Now}),
		buffered:   budget.NewSlots(opts.MaxBuffered),
		bulk:       budget.NewSlots(bulkBuffered(&opts)),
		bytes:      budget.NewBytes(opts.MaxBufferedBytes),
		workers:    newWorkers(),
		failing:    newFailing(),
		route:      route.NewCount(),
		rejoin:     make(chan struct{}, 1),
		fetcher:    &kafka.Client{Addr: kafka.TCP(opts.Brokers...), Transport: opts.Transport, Timeout: 10 * time.Second},
		partitions: make(map[*partition]struct{}),
	}
	for _, t := range opts.Topics {
		c.losses.Skip(t, 0) // exported at zero from the start
	}
	c.rec = recovery.New(recovery.Options{
		Client: c.fetcher, GroupID: opts.GroupID, Outputs: opts.outputs(), Routed: opts.Routed,
		MaxRecords: opts.AnsweredScanMaxRecords, Timeout: opts.AnsweredScanTimeout,
		MaxMetadataBytes: opts.MaxCommitMetadataBytes, SampleEvery: opts.CommitInterval,
		OnWentBack: c.wentBack, Logger: opts.Logger, Now: opts.Now,
	})
	return c, nil
}

// Run checks the topics, joins the group and handles records until ctx ends.
//
// Before joining, and again at every new generation, it checks that every
// input topic, the result and dead-letter topics and Options.RequiredTopics
// exist (without asking the broker to create them); while any is missing it
// stays out of the group, retries with backoff and lists them in
// Stats.MissingTopics. Once they exist it checks their settings
// (topiccheck.go) and returns an error matching ErrStartupCheck, without
// joining, when one is wrong; while it runs it checks them again every
// TopicCheckInterval (Stats.TopicProblems).
//
// When ctx ends it stops fetching, lets in-flight records finish within
// DrainTimeout, commits what finished, leaves the group and closes the
// writers. It returns only when everything it started has stopped.
func (c *Consumer) Run(ctx context.Context) error {
	defer c.workers.stop() // every partition has drained: the workers are idle
	if c.awaitTopics(ctx) != nil {
		return nil
	}
	l, joined, err := c.startChecks(ctx)
	if err != nil || ctx.Err() != nil {
		return err
	}
	c.route.Set(joined[c.opts.RouteTopic])
	c.out = newOutputs(&c.opts, l, c.route)
	c.mu.Lock()
	c.limits = l.byTopic
	c.mu.Unlock()
	checkCtx, stopChecks := context.WithCancel(ctx)
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		c.watchTopics(checkCtx, joined) // topiccheck.go
	}()
	defer func() {
		stopChecks()
		<-checked
	}()
	for {
		rejoin, err := c.runGroup(ctx)
		if err != nil {
			_ = c.out.close()
			return err
		}
		if !rejoin || c.awaitTopics(ctx) != nil {
			break
		}
	}
	if err := c.out.close(); err != nil {
		return fmt.Errorf("close writers: %w", err)
	}
	return nil
}

// startChecks runs checkAtStart until it can ask the brokers, or ctx ends
// (a nil error then). Its error matches ErrStartupCheck.
func (c *Consumer) startChecks(ctx context.Context) (limits, map[string]int, error) {
	bo := c.retryBackOff()
	for {
		l, joined, err := c.checkAtStart(ctx)
		if err == nil || errors.Is(err, ErrStartupCheck) {
			return l, joined, err
		}
		c.log.WithError(err).Warn("cannot check the topics' settings, retrying before joining the group")
		if !sleep(ctx, bo.NextBackOff()) {
			return limits{}, nil, nil
		}
	}
}

// runGroup is one membership of the group. It returns rejoin=true when a new
// generation found a needed topic missing, or an input topic gained
// partitions (kafka-go does not assign new partitions to a running group):
// it has then left the group.
func (c *Consumer) runGroup(ctx context.Context) (rejoin bool, err error) {
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
		GroupBalancers:    c.opts.balancers(), // park.go
		Timeout:           10 * time.Second,
		Logger:            kafka.LoggerFunc(c.log.WithField("component", "kafka-group").Debugf),
		ErrorLogger:       kafka.LoggerFunc(c.log.WithField("component", "kafka-group").Debugf),
	})
	if err != nil {
		return false, fmt.Errorf("consumer group: %w", err)
	}

	// Closing the group ends the active generation, which waits for every
	// partition goroutine to drain and commit before the group is left.
	groupCtx, leave := context.WithCancel(ctx)
	defer leave()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		<-groupCtx.Done()
		_ = cg.Close()
	}()
	var asked atomic.Bool // watchTopics asked for a new membership
	go func() {
		select {
		case <-c.rejoin:
			asked.Store(true)
			leave()
		case <-groupCtx.Done():
		}
	}()

	for {
		gen, err := cg.Next(groupCtx)
		if err != nil {
			if groupCtx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
				break
			}
			// RebalanceInProgress, coordinator moves, a broker that is down:
			// kafka-go backs off and rejoins by itself.
			c.log.WithError(err).Warn("consumer group: joining failed, retrying")
			continue
		}
		if missing, err := c.opts.missingTopics(groupCtx); err == nil && len(missing) > 0 {
			c.setMissing(missing)
			c.log.WithField("missing", missing).Error("topics disappeared; leaving the consumer group until they exist")
			rejoin = true
			break
		}
		c.startGeneration(ctx, gen)
	}
	leave()
	<-closed
	c.joined.Store(false)
	return (rejoin || asked.Load()) && ctx.Err() == nil, nil
}

func (c *Consumer) startGeneration(shutdown context.Context, gen *kafka.Generation) {
	var n int
	for _, parts := range gen.Assignments {
		n += len(parts)
	}
	scan := c.rec.Start(shutdown, gen) // package recovery
	book, skip := c.parkBook(gen)      // park.go
	c.book.Store(book)
	for topic, parts := range gen.Assignments {
		for _, pa := range parts {
			if slices.Contains(skip[topic], pa.ID) {
				continue
			}
			p := newPartition(c, gen, topic, pa.ID, pa.Offset)
			p.scan, p.book = scan, book
			gen.Start(func(genCtx context.Context) { p.run(shutdown, genCtx) })
		}
	}
	c.joined.Store(true)
	c.assigned.Store(int64(n))
	c.log.WithFields(logrus.Fields{"generation": gen.ID, "member": gen.MemberID, "partitions": n}).Info("joined consumer group")
}

// wentBack lists an output topic whose end offset went back (deleted and
// created again) in Stats.TopicProblems until the consumer is restarted.
func (c *Consumer) wentBack(topic, problem string) {
	if c.topics.Recreated(topic, problem) {
		c.log.WithField("problem", problem).Error("topic check: not ready until this is mended")
	}
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
	c.handling.SetLimit(n)
}

// PastEnd is a partition whose fetch position is past the end of its log.
type PastEnd = fetch.PastEnd

// Stats is a snapshot of the consumer's state.
type Stats struct {
	InFlight       int           // records inside the handler
	Limit          int           // current in-flight limit
	Buffered       int           // records fetched and not finished (in flight, queued behind their key, or being written)
	Partitions     int           // partitions owned
	OldestInFlight time.Duration // age of the oldest unfinished record

	// BufferedBytes is the bytes (key, value, headers) of the Buffered
	// records plus the room taken by fetches under way; it stays within
	// BufferedBytesLimit (MaxBufferedBytes) except for one fetch or record
	// larger than the limit, let through alone. BufferedBytesPeak is the
	// most it has been.
	BufferedBytes      int64
	BufferedBytesPeak  int64
	BufferedBytesLimit int64

	// OutputFailing lists the records whose result or dead-letter write is
	// failing now, oldest first; their partitions commit nothing past them.
	// A record leaves the list when its write succeeds or its partition is
	// given up. Readiness should fail while it is not empty.
	OutputFailing []OutputFailure
	// Unwritable counts reference letters written (error.class=unwritable)
	// since the consumer started: dead letters the broker refused for
	// DLQWriteGiveUp, whose value is not in the dead-letter topic.
	Unwritable int64
	// MissingTopics lists needed topics that do not exist; while it is not
	// empty the consumer stays out of its group.
	MissingTopics []string
	// TopicProblems says what the last periodic topic check found wrong
	// (topiccheck.go), one sentence each. Readiness should fail while it is
	// not empty.
	TopicProblems []string
	// RouteHeld reports that route records are held while the route topic's
	// new partitions are taken up (route/resize.go).
	RouteHeld bool
	// Skipped counts, by topic, the records deleted (by retention) before
	// they were read: they were never handled and have no output.
	Skipped map[string]int64
	// PastEnd lists the partitions whose fetch position is past the end of
	// the log (the topic was deleted and created again, or offsets were set
	// by hand): nothing is read from them until the group's offsets are
	// reset. Readiness should fail while it is not empty.
	PastEnd []PastEnd

	// Crash recovery (package recovery), counted since the
	// consumer started. SkippedAnswered: records committed without the
	// Handler because their output was already on Kafka (answered before a
	// crash, not committed). CommitsWithoutPositions: commits made without
	// output positions because they did not fit MaxCommitMetadataBytes.
	// AnsweredScanFallbacks: assignments whose answered work could not be
	// looked up (a cap hit, unreadable metadata or topics), so nothing was
	// skipped.
	SkippedAnswered         int64
	CommitsWithoutPositions int64
	AnsweredScanFallbacks   int64
}

// Add returns s with o added: counts and bytes summed, the older of the
// oldest records, the failing records and missing topics of both. Limit stays
// s's, so a worker adding its route stage to its process stage reports the
// in-flight limit myKaarma sees.
func (s Stats) Add(o Stats) Stats {
	s.InFlight += o.InFlight
	s.Buffered += o.Buffered
	s.Partitions += o.Partitions
	s.OldestInFlight = max(s.OldestInFlight, o.OldestInFlight)
	s.BufferedBytes += o.BufferedBytes
	s.BufferedBytesPeak += o.BufferedBytesPeak
	s.BufferedBytesLimit += o.BufferedBytesLimit
	s.PastEnd = append(append([]PastEnd(nil), o.PastEnd...), s.PastEnd...)
	if len(o.Skipped) > 0 {
		sk := make(map[string]int64, len(s.Skipped)+len(o.Skipped))
		for _, m := range []map[string]int64{s.Skipped, o.Skipped} {
			for t, n := range m {
				sk[t] += n
			}
		}
		s.Skipped = sk
	}
	s.OutputFailing = append(append([]OutputFailure(nil), o.OutputFailing...), s.OutputFailing...)
	s.Unwritable += o.Unwritable
	s.SkippedAnswered += o.SkippedAnswered
	s.CommitsWithoutPositions += o.CommitsWithoutPositions
	s.AnsweredScanFallbacks += o.AnsweredScanFallbacks
	s.MissingTopics = union(s.MissingTopics, o.MissingTopics)
	s.TopicProblems = union(s.TopicProblems, o.TopicProblems)
	s.RouteHeld = s.RouteHeld || o.RouteHeld
	return s
}

// union returns the sorted strings of a and b without repeats.
func union(a, b []string) []string {
	out := append(append([]string(nil), a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// Stats returns a snapshot of the consumer's state.
func (c *Consumer) Stats() Stats {
	used, limit := c.handling.Snapshot()
	buffered, _ := c.buffered.Snapshot()
	s := Stats{InFlight: used, Limit: limit, Buffered: buffered}
	s.BufferedBytes, s.BufferedBytesLimit, s.BufferedBytesPeak = c.bytes.Snapshot()
	s.OutputFailing = c.failing.snapshot()
	s.Unwritable = c.unwritable.Load()
	s.Skipped = c.losses.Skipped()
	s.TopicProblems = c.topics.Snapshot()
	s.RouteHeld = c.route.Held()
	s.PastEnd = c.losses.PastEnd()
	rs := c.rec.Stats()
	s.SkippedAnswered, s.CommitsWithoutPositions, s.AnsweredScanFallbacks = rs.Skipped, rs.CommitsWithoutPositions, rs.Fallbacks
	now := c.opts.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	s.MissingTopics = append([]string(nil), c.missing...)
	s.Partitions = len(c.partitions)
	for p := range c.partitions {
		if t, ok := p.oldest(); ok && now.Sub(t) > s.OldestInFlight {
			s.OldestInFlight = now.Sub(t)
		}
	}
	return s
}
