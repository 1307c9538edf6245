package consumer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/leadworker/leadworker/route"
	"github.com/leadworker/leadworker/topiccheck"
	"github.com/sirupsen/logrus"
)

// Topic checks. Every topic the consumer reads or writes must exist, keep
// its records by time (cleanup.policy=delete: on a compacted topic the
// broker deletes all but the newest record of a key, and an unanswered
// event would vanish), allow what the consumer must write to it (the
// dead-letter and route topics at least the input's max.message.bytes),
// and keep at least the partition count it had when the consumer started
// (partitions added are taken up: an input's by joining the group again, the
// route topic's as route/resize.go says, an output's by the writers at once).
// Run checks
// them (package topiccheck) before it joins its group, and refuses to start (an error matching
// ErrStartupCheck) when one is wrong; it checks them again every
// Options.TopicCheckInterval while it runs, and lists what is wrong in
// Stats.TopicProblems (readiness should fail) until it is mended. A topic
// deleted and created again under the consumer shows there: as a changed
// partition count or setting, as a fetch position past the log end
// (Stats.PastEnd), or as an output topic whose end offset went back.

// ErrStartupCheck matches the error Run returns when a check before joining
// fails in a way that retrying does not mend: a topic's settings, or
// MaxBufferedBytes too small for one fetch. The message says what to change.
var ErrStartupCheck = errors.New("startup check failed")

// TopicState is what the broker says of one topic (package topiccheck).
type TopicState = topiccheck.State

// TopicDescriber tells the consumer about its topics (kafkaadmin.Describer).
type TopicDescriber interface {
	// Describe returns the state of every topic of topics that exists; it
	// must never ask the broker to create one.
	Describe(ctx context.Context, topics []string) (map[string]TopicState, error)
}

// topicProblems returns what is wrong with the topics as described: each a
// sentence naming the topic and what to change. joined, when not nil, are
// the partition counts the consumer started with.
func (o *Options) topicProblems(got map[string]TopicState, joined map[string]int) []string {
	return topiccheck.Problems(topiccheck.Want{
		All: o.topics(), Inputs: o.Topics, DLQ: o.DLQTopic, Route: o.RouteTopic, Park: o.ParkTopic, Bulk: o.BulkTopic,
		ParkRetention: o.ParkRetention, CoPartitioned: o.CoPartitioned,
	}, got, joined)
}

// checkAtStart checks the topics and the byte budget before the consumer
// joins its group, and returns the topics' limits. Its error matches
// ErrStartupCheck when a check failed; a failure to ask is retried by the
// caller.
func (c *Consumer) checkAtStart(ctx context.Context) (limits, map[string]int, error) {
	got, err := c.opts.Describer.Describe(ctx, c.opts.topics())
	if err != nil {
		return limits{}, nil, err
	}
	if p := c.opts.topicProblems(got, nil); len(p) > 0 {
		return limits{}, nil, fmt.Errorf("%w: %s", ErrStartupCheck, strings.Join(p, "; "))
	}
	l := limits{byTopic: make(map[string]int), result: got[c.opts.ResultTopic].MaxMessageBytes, dlq: got[c.opts.DLQTopic].MaxMessageBytes}
	counts := make(map[string]int)
	for t, st := range got {
		l.byTopic[t] = st.MaxMessageBytes
		counts[t] = st.Partitions
	}
	var input string
	for _, t := range c.opts.Topics {
		if got[t].MaxMessageBytes > l.input {
			l.input, input = got[t].MaxMessageBytes, t
		}
	}
	if c.opts.RouteTopic != "" {
		l.route = got[c.opts.RouteTopic].MaxMessageBytes
	}
	for _, t := range c.opts.Topics {
		if need := c.fetchSizeOf(l.byTopic[t]); c.opts.MaxBufferedBytes < need {
			return l, nil, &BudgetError{Topic: t, Budget: c.opts.MaxBufferedBytes, Fetch: need}
		}
	}
	// A route record already carries the input record's headers and is sized
	// for them; its dead letter needs no more room than the route record.
	if l.dlq > 0 && l.dlq-l.input < HeaderRoom && !c.opts.Routed { // writer.go
		c.log.WithFields(logrus.Fields{"dlq": c.opts.DLQTopic, "dlq_max_message_bytes": l.dlq, "input": input, "input_max_message_bytes": l.input}).
			Warn("dead-letter topic leaves less than 64 KiB above the input topic's limit for headers: an input near the limit is dead-lettered as a reference letter (DLQ_WRITE_GIVE_UP)")
	}
	return l, counts, nil
}

// BudgetError is the startup check that MaxBufferedBytes holds one fetch of
// every topic the consumer reads: below that, fetching would pass the bound.
type BudgetError struct {
	Topic  string // the topic whose fetch does not fit
	Budget int64  // Options.MaxBufferedBytes
	Fetch  int64  // one fetch of Topic: its max.message.bytes plus 256 bytes
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("%v: a byte budget of %d cannot hold one fetch of %s (%d bytes: its max.message.bytes plus %d)",
		ErrStartupCheck, e.Budget, e.Topic, e.Fetch, batchOverhead)
}

// Unwrap lets errors.Is match ErrStartupCheck.
func (e *BudgetError) Unwrap() error { return ErrStartupCheck }

// watchTopics checks the topics every TopicCheckInterval until ctx ends,
// logging each problem when it appears and when it is mended.
func (c *Consumer) watchTopics(ctx context.Context, joined map[string]int) {
	t := time.NewTicker(c.opts.TopicCheckInterval)
	defer t.Stop()
	var resizing sync.WaitGroup // route.Count.Resize, started by grown
	defer resizing.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		got, err := c.opts.Describer.Describe(ctx, c.opts.topics())
		if err != nil {
			if ctx.Err() == nil {
				c.log.WithError(err).Debug("topic check failed; trying again at the next interval")
			}
			continue
		}
		c.grown(ctx, got, joined, &resizing)
		now := c.opts.topicProblems(got, joined)
		was := c.topics.Snapshot()
		for _, p := range now {
			if !slices.Contains(was, p) {
				c.log.WithField("problem", p).Error("topic check: not ready until this is mended")
			}
		}
		if len(was) > 0 && len(now) == 0 {
			c.log.Info("topic check: the topics are as they should be again")
		}
		c.topics.Set(now)
	}
}

// grown takes up partitions added to the topics since joined was read, and
// updates joined: an input topic's by a new membership of the group, the
// route topic's by moving routing to the new count.
func (c *Consumer) grown(ctx context.Context, got map[string]TopicState, joined map[string]int, resizing *sync.WaitGroup) {
	rejoin := false
	for t, st := range got {
		was, ok := joined[t]
		if !ok || st.Partitions <= was {
			continue
		}
		joined[t] = st.Partitions
		if slices.Contains(c.opts.Topics, t) {
			c.log.WithFields(logrus.Fields{"topic": t, "partitions_before": was, "partitions_now": st.Partitions}).
				Info("input topic gained partitions: joining the group again to take them up")
			rejoin = true
		}
		if t == c.opts.RouteTopic && c.route.Hold() {
			old := c.route.N()
			resizing.Go(func() {
				c.route.Resize(ctx, route.ResizeOptions{
					Client: c.fetcher, Topic: c.opts.RouteTopic, Bulk: c.opts.BulkTopic, Group: c.opts.RouteGroup,
					Settle: c.opts.TopicCheckInterval + c.opts.MaxWait, BackOff: c.retryBackOff(), Log: c.log,
				}, old, st.Partitions)
			})
		}
	}
	if rejoin {
		select {
		case c.rejoin <- struct{}{}:
		default:
		}
	}
}
