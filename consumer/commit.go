package consumer

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

// recovery is a partition's part in crash recovery: the answered records
// found at assignment (answered.go) and the output positions its commits
// record (commitmeta.go). since and cand are touched only by the partition's
// run goroutine; the skip counters by its lanes.
type recovery struct {
	scan *answeredScan // the generation's scan; nil in tests that build partitions by hand

	// since are the positions the next commit records: every output written
	// for an offset at or above that commit lies at or above them. nil: none
	// known, commit without metadata.
	since    positions
	sinceSeq uint64 // the sample since came from; 0 for positions read from a commit
	// cand is a newer sample waiting to become since: it becomes valid once
	// the commit point reaches from, the first offset that could have been
	// fetched after the sample was read (and, just after assignment, the
	// first offset above every answered record found in the older window).
	cand *candidate

	noRoomWarned bool
	reset        bool // the committed offset carried no leadworker metadata: nothing is skipped (answered.go)

	found      int64        // answered records of this partition found at assignment
	remaining  atomic.Int64 // of those, not yet fetched again
	skipped    atomic.Int64
	skipLogged atomic.Bool
}

type candidate struct {
	s    *sample
	from int64
}

// positionsRefresh is how often a partition whose commit point has not
// moved commits it again with fresher output positions, so that a quiet
// partition's positions do not fall far behind the output topics' ends (and
// so widen the window read after a crash past ANSWERED_SCAN_MAX_RECORDS).
const positionsRefresh = 5 * time.Second

// commit commits the watermark with this partition's generation, recording
// the epoch and the output positions in the commit's metadata. A commit the
// broker refuses (the generation is gone) only means redelivery.
func (p *partition) commit() {
	off, ok := p.wm.commitPoint()
	if !ok {
		return
	}
	md := p.commitMetadata(off)
	now := p.c.opts.Now()
	if off == p.committed && (md == p.committedMeta || now.Sub(p.committedAt) < positionsRefresh) {
		return
	}
	if err := p.c.commitOffset(p.gen, p.topic, p.id, off, md); err != nil {
		p.log.WithError(err).WithField("offset", off).Warn("commit refused; records after the last commit will be redelivered")
		return
	}
	p.committed, p.committedMeta, p.committedAt = off, md, now
	p.log.WithFields(logrus.Fields{"offset": off, "metadata_bytes": len(md)}).Debug("committed")
}

// commitMetadata returns the metadata for a commit of off.
//
// Why the positions are right: a sample is a lower bound for every output
// whose write starts after the sample's response arrived. A record's output
// is written after the record is fetched, so a sample taken before the
// partition fetched record r bounds r's output. cand.from is the fetch
// position taken after the sample arrived; once the commit point reaches it,
// every record at or above the commit point was fetched after the sample,
// and the sample may be recorded. Until then the older since stays; its own
// records may have finished out of order, but their outputs lie above it.
// Just after assignment since is the position read from the previous commit
// and cand the sample taken when the scan began, valid only above every
// answered record the scan found (their outputs lie between the two).
func (p *partition) commitMetadata(off int64) string {
	r := &p.rec
	if r.cand == nil {
		if s := p.c.recovery.latest.Load(); s != nil && s.seq > r.sinceSeq {
			r.cand = &candidate{s: s, from: p.wm.fetchedNext()}
		}
	}
	if r.cand != nil && off >= r.cand.from {
		r.since, r.sinceSeq, r.cand = r.cand.s.pos, r.cand.s.seq, nil
	}
	md := encodeMeta(p.epoch, r.since, p.c.outputTopics())
	if len(md) > p.c.opts.MaxCommitMetadataBytes {
		p.c.recovery.noRoom.Add(1)
		if !r.noRoomWarned {
			r.noRoomWarned = true
			p.log.WithFields(logrus.Fields{"metadata_bytes": len(md), "max": p.c.opts.MaxCommitMetadataBytes}).
				Warn("output positions do not fit the commit metadata; committing without them, so answered work is not skipped after a crash")
		}
		return encodeMeta(p.epoch, nil, nil)
	}
	return md
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
