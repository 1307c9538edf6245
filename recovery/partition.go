package recovery

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/sirupsen/logrus"
)

// Partition is one assigned partition's part in recovery for one
// generation: its epoch, the answered records the scan found for it, and the
// positions its commits record. Metadata is called by the partition's
// committing goroutine only; Skip may be called concurrently.
type Partition struct {
	r     *Recovery
	scan  *Scan
	tp    topicPartition
	log   logrus.FieldLogger
	epoch int64
	// reset: the committed offset carried no leadworker metadata (an
	// operator's reset), so nothing answered before is skipped.
	reset bool

	mu sync.Mutex // guards since, sinceSeq, cand and noRoomWarned
	// since are the positions the next commit records: every output written
	// for an offset at or above that commit lies at or above them. nil: none
	// known, commit without them.
	since    positions
	sinceSeq uint64 // the sample since came from; 0 for positions read from a commit
	// cand is a newer sample waiting to become since: it becomes valid once
	// the commit point reaches from, the first offset that could have been
	// fetched after the sample was read (and, just after assignment, the
	// first offset above every answered record found in the older window).
	cand *candidate

	noRoomWarned bool

	found      int64        // answered records of this partition found at assignment
	remaining  atomic.Int64 // of those, not yet skipped
	skipped    atomic.Int64
	skipLogged atomic.Bool
}

type candidate struct {
	s    *sample
	from int64
}

// Epoch is the partition's epoch: the one its last commit recorded, or a new
// one when that commit carried no leadworker metadata.
func (p *Partition) Epoch() int64 { return p.epoch }

// Metadata returns the metadata for a commit of off. fetchedNext is the
// offset after the last one fetched (the commit point when nothing is in
// flight): every record fetched from now on is at or above it.
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
func (p *Partition) Metadata(off, fetchedNext int64) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cand == nil {
		if s := p.r.latest.Load(); s != nil && s.seq > p.sinceSeq {
			p.cand = &candidate{s: s, from: fetchedNext}
		}
	}
	if p.cand != nil && off >= p.cand.from {
		p.since, p.sinceSeq, p.cand = p.cand.s.pos, p.cand.s.seq, nil
	}
	md := encodeMeta(p.epoch, p.since, p.r.opts.Outputs)
	if len(md) > p.r.opts.MaxMetadataBytes {
		p.r.noRoom.Add(1)
		if !p.noRoomWarned {
			p.noRoomWarned = true
			p.log.WithFields(logrus.Fields{"metadata_bytes": len(md), "max": p.r.opts.MaxMetadataBytes}).
				Warn("output positions do not fit the commit metadata; committing without them, so answered work is not skipped after a crash")
		}
		return encodeMeta(p.epoch, nil, nil)
	}
	return md
}

// Caught tells that the partition has caught up: every record fetched so
// far is finished, and at is the offset of the next one. It reads the output
// topics' ends now, before that record is handled, and offers them for the
// commits from at on, so that a commit after a burst of work records where
// the outputs end rather than where they ended when the burst began (a
// window that, after a crash, could be too large to read). A sample it
// cannot read leaves the positions as they were.
func (p *Partition) Caught(ctx context.Context, at int64) {
	s, err := p.r.sampleOutputs(ctx)
	if err != nil {
		p.log.WithError(err).Debug("cannot read the output topics' ends; commits keep older positions")
		return
	}
	p.mu.Lock()
	p.cand = &candidate{s: s, from: at}
	p.mu.Unlock()
}

// Skip reports whether the record of o, stamped as st returns, already has
// its output: the scan found one of its position and stamp, or this
// consumer answered it lately. The caller then finishes the record without
// handling it and without a second output. st is called only when there is
// something to compare (the value need not be hashed otherwise).
func (p *Partition) Skip(o Origin, st func() Stamp) bool {
	// After a reset of this partition's offsets nothing answered before it
	// is skipped: a reset means "do these again".
	inScan := !p.reset && p.scan.holds(o)
	inRecent := p.r.recent.holds(o)
	if !inScan && !inRecent {
		return false
	}
	stamp := st()
	if !(inScan && p.scan.take(o, stamp)) && !(inRecent && p.r.recent.has(o, stamp)) {
		return false
	}
	// A route record can come more than once (redelivered, and routed again
	// by a route stage that crashed): the next copy must be skipped too.
	p.r.recent.add(o, stamp)
	p.r.skipped.Add(1)
	p.skipped.Add(1)
	if p.remaining.Add(-1) == 0 {
		p.LogSkipped()
	}
	return true
}

// LogSkipped logs, once per partition and generation, how many answered
// records were committed without handling.
func (p *Partition) LogSkipped() {
	n := p.skipped.Load()
	if n == 0 || !p.skipLogged.CompareAndSwap(false, true) {
		return
	}
	p.log.WithFields(logrus.Fields{"skipped": n, "answered": p.found}).Info("skipped answered")
}
