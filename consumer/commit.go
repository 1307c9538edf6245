package consumer

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

// positionsRefresh is how often a partition whose commit point has not
// moved commits it again with fresher output positions, so that a quiet
// partition's positions do not fall far behind the output topics' ends (and
// so widen the window read after a crash past ANSWERED_SCAN_MAX_RECORDS).
const positionsRefresh = 5 * time.Second

// commit commits the watermark with this partition's generation, recording
// the epoch and the output positions in the commit's metadata. A commit the
// broker refuses (the generation is gone) only means redelivery.
func (p *partition) commit() {
	off, ok := p.wm.CommitPoint()
	if !ok {
		return
	}
	md := p.rec.Metadata(off, p.wm.FetchedNext()) // package recovery
	now := p.c.opts.Now()
	if off == p.committed && (md == p.committedMeta || (now.Sub(p.committedAt) < positionsRefresh && !p.caught.Load())) {
		return
	}
	p.caught.Store(false)
	if err := p.c.commitOffset(p.gen, p.topic, p.id, off, md); err != nil {
		p.log.WithError(err).WithField("offset", off).Warn("commit refused; records after the last commit will be redelivered")
		return
	}
	p.committed, p.committedMeta, p.committedAt = off, md, now
	p.log.WithFields(logrus.Fields{"offset": off, "metadata_bytes": len(md)}).Debug("committed")
}

// commitOffset commits one partition's offset with md as its metadata,
// fenced by gen: the coordinator refuses it once gen is no longer the
// group's generation, as Generation.CommitOffsets would (which sends no
// metadata).
func (c *Consumer) commitOffset(gen *kafka.Generation, topic string, partition int, offset int64, md string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.fetcher.OffsetCommit(ctx, &kafka.OffsetCommitRequest{
		GroupID:      gen.GroupID,
		GenerationID: int(gen.ID),
		MemberID:     gen.MemberID,
		Topics:       map[string][]kafka.OffsetCommit{topic: {{Partition: partition, Offset: offset, Metadata: md}}},
	})
	if err != nil {
		return err
	}
	for _, r := range res.Topics[topic] {
		if r.Partition == partition {
			return r.Error
		}
	}
	return fmt.Errorf("offset commit: no answer for %s/%d", topic, partition)
}

// kick tells the partition's run loop that its watermark may have moved.
func (p *partition) kick() {
	select {
	case p.kicked <- struct{}{}:
	default:
	}
}

// commitSoon arms the prompt commit after a kick: CommitDelay from the first
// kick, gathering later ones into the same commit. Commits are made by the
// run loop one at a time, so none is in flight when the timer is armed.
func (p *partition) commitSoon(armed <-chan time.Time) <-chan time.Time {
	if armed != nil || p.c.opts.CommitDelay < 0 {
		return armed
	}
	return time.After(p.c.opts.CommitDelay)
}
