package recovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

type topicPartition struct {
	topic     string
	partition int
}

// Scan is one generation's read of committed metadata and answered work.
// Its fields are set before done is closed and only read after.
type Scan struct {
	r      *Recovery
	done   chan struct{}
	base   *sample                      // the output topics' ends when the scan began; nil if unknown
	epochs map[topicPartition]int64     // every assigned partition's epoch
	reset  map[topicPartition]bool      // partitions whose committed offset carries no leadworker metadata
	read   map[topicPartition]positions // input partitions whose window was read in full: their recorded positions
	mu     sync.Mutex                   // guards found once done is closed
	// found holds the stamps of the outputs found, by origin, at or above
	// their partition's committed offset.
	found map[topicPartition]map[int64][]Stamp
	// ends are the assigned partitions' end offsets when the scan began, for
	// a consumer of route records (Options.Routed): the outputs found name
	// input positions, not route offsets, so every route record that could
	// have been answered before the scan lies below its partition's end.
	ends map[topicPartition]int64
}

func (s *Scan) run(ctx context.Context, gen *kafka.Generation) {
	r := s.r
	log := r.log.WithField("generation", gen.ID)
	ids := make(map[string][]int)
	for topic, parts := range gen.Assignments {
		for _, pa := range parts {
			ids[topic] = append(ids[topic], pa.ID)
		}
	}
	if len(ids) == 0 {
		return
	}
	metas, ok := s.committedMeta(ctx, ids, log)
	if !ok {
		return
	}
	newEpoch := r.opts.Now().UnixMilli()
	for topic, parts := range ids {
		for _, id := range parts {
			tp := topicPartition{topic, id}
			if m, ok := metas[tp]; ok {
				s.epochs[tp] = m.epoch
				continue
			}
			s.epochs[tp] = newEpoch
			s.reset[tp] = true
		}
	}
	base, err := r.sampleOutputs(ctx)
	if err != nil {
		if ctx.Err() == nil {
			log.WithError(err).Warn("cannot read the output topics' positions; answered work is not skipped and commits carry no positions until they can be read")
		}
		return
	}
	s.base = base
	if r.opts.MaxRecords < 0 {
		return
	}
	starts := make(map[topicPartition]int64)
	for topic, parts := range gen.Assignments {
		for _, pa := range parts {
			if pa.Offset >= 0 { // a partition never committed has no positions either
				starts[topicPartition{topic, pa.ID}] = pa.Offset
			}
		}
	}
	ends, err := r.endOffsets(ctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			r.fallbacks.Add(1)
			log.WithError(err).Warn("cannot read the assigned partitions' end offsets; answered work is not skipped")
		}
		return
	}
	if r.opts.Routed {
		s.ends = ends
	}
	recorded := make(map[topicPartition]positions)
	for tp, m := range metas {
		start, committed := starts[tp]
		if !committed || m.pos == nil {
			continue
		}
		if start >= ends[tp] {
			// Caught up: nothing of it comes again, so its positions, however
			// old (a quiet partition), need not widen the window.
			continue
		}
		if err := fits(m.pos, base.pos, r.opts.Outputs); err != nil {
			r.fallbacks.Add(1)
			log.WithFields(logrus.Fields{"topic": tp.topic, "partition": tp.partition}).WithError(err).
				Warn("recorded output positions do not fit the output topics; answered work of this partition is not skipped")
			continue
		}
		recorded[tp] = m.pos
	}
	if len(recorded) == 0 {
		return
	}
	windows, total := windowsOf(recorded, base)
	if max := r.opts.MaxRecords; total > int64(max) {
		r.fallbacks.Add(1)
		log.WithFields(logrus.Fields{"records": total, "max": max}).
			Warn("uncommitted output window is larger than ANSWERED_SCAN_MAX_RECORDS; answered work is not skipped")
		return
	}
	keep := func(tp topicPartition, off int64) bool {
		if r.opts.Routed {
			// Outputs name the input positions route records carry, which
			// say nothing of which route partition carried them: keep all.
			return true
		}
		if _, ok := recorded[tp]; !ok {
			return false
		}
		return off >= starts[tp]
	}
	found := make(map[topicPartition]map[int64][]Stamp)
	var mu sync.Mutex
	add := func(tp topicPartition, off int64, st Stamp) {
		mu.Lock()
		defer mu.Unlock()
		if found[tp] == nil {
			found[tp] = make(map[int64][]Stamp)
		}
		found[tp][off] = append(found[tp][off], st)
	}
	began := r.opts.Now()
	readCtx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	errs := make([]error, len(windows))
	var wg sync.WaitGroup
	for i, w := range windows {
		wg.Go(func() { errs[i] = s.readAnswers(readCtx, w, keep, add) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		if ctx.Err() != nil {
			return
		}
		r.fallbacks.Add(1)
		msg := "cannot read the uncommitted output window; answered work is not skipped"
		if readCtx.Err() != nil {
			msg = "reading the uncommitted output window took longer than ANSWERED_SCAN_TIMEOUT; answered work is not skipped"
		}
		log.WithError(err).Warn(msg)
		return
	}
	n := 0
	for _, offs := range found {
		n += len(offs)
	}
	s.read, s.found = recorded, found
	log.WithFields(logrus.Fields{"records": total, "answered": n, "ms": r.opts.Now().Sub(began).Milliseconds()}).
		Info("read the uncommitted output window")
}

// committedMeta reads the committed metadata of the partitions in ids,
// retrying until it can or ctx ends (false). The result holds the
// partitions whose committed offset carries leadworker's metadata; a
// partition without a committed offset, or whose offset carries none (an
// operator's reset) or another writer's, is left out and logged.
func (s *Scan) committedMeta(ctx context.Context, ids map[string][]int, log logrus.FieldLogger) (map[topicPartition]commitMeta, bool) {
	r := s.r
	bo := backoff.NewExponentialBackOff(backoff.WithInitialInterval(100*time.Millisecond), backoff.WithMaxInterval(5*time.Second), backoff.WithMaxElapsedTime(0))
	for {
		res, err := r.opts.Client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: r.opts.GroupID, Topics: ids})
		if err == nil && res.Error != nil {
			err = res.Error
		}
		if err == nil {
			for _, parts := range res.Topics {
				for _, p := range parts {
					if p.Error != nil {
						err = p.Error
					}
				}
			}
		}
		if err == nil {
			return s.decodeCommitted(res, log), true
		}
		if ctx.Err() != nil {
			return nil, false
		}
		log.WithError(err).Warn("cannot read the committed offsets' metadata, retrying")
		if !sleep(ctx, bo.NextBackOff()) {
			return nil, false
		}
	}
}

func (s *Scan) decodeCommitted(res *kafka.OffsetFetchResponse, log logrus.FieldLogger) map[topicPartition]commitMeta {
	r := s.r
	out := make(map[topicPartition]commitMeta)
	for topic, parts := range res.Topics {
		for _, p := range parts {
			if p.CommittedOffset < 0 {
				continue // never committed: a first run
			}
			l := log.WithFields(logrus.Fields{"topic": topic, "partition": p.Partition, "offset": p.CommittedOffset})
			m, err := decodeMeta(p.Metadata)
			switch {
			case errors.Is(err, errNoPositions) || errors.Is(err, errOtherMetadata):
				l.Warn("the committed offset carries no leadworker metadata: it was reset by an operator (or by another program); " +
					"the records from it on are handled again, even those answered before")
				continue
			case err != nil:
				// Damaged: keep the epoch unknown rather than guess a reset.
				r.fallbacks.Add(1)
				l.WithError(err).Warn("unreadable commit metadata; answered work of this partition is not skipped")
				m = commitMeta{}
			}
			out[topicPartition{topic, p.Partition}] = m
		}
	}
	return out
}

// fits checks that recorded has a position for every topic, none past the
// end now, and no more partitions than the topic has now.
func fits(recorded, now positions, topics []string) error {
	for _, t := range topics {
		rec, ok := recorded[t]
		if !ok {
			return fmt.Errorf("no positions for %s", t)
		}
		if len(rec) > len(now[t]) {
			return fmt.Errorf("%s: positions for %d partitions, it has %d", t, len(rec), len(now[t]))
		}
		for i, o := range rec {
			if o > now[t][i] {
				return fmt.Errorf("%s/%d: position %d is past the end %d", t, i, o, now[t][i])
			}
		}
	}
	return nil
}

// window is the part of one output partition the scan reads.
type window struct {
	topic     string
	partition int
	from, to  int64
}

// windowsOf returns, per output partition, the range from the lowest
// recorded position (or the log start, when retention deleted what was
// below it) to the end now, and the records in them. A partition without a
// recorded position (added since) is read from its start.
func windowsOf(recorded map[topicPartition]positions, base *sample) ([]window, int64) {
	var out []window
	var total int64
	for t, ends := range base.pos {
		for i, end := range ends {
			from := int64(0)
			seen := false
			for _, pos := range recorded {
				if i < len(pos[t]) && (!seen || pos[t][i] < from) {
					from, seen = pos[t][i], true
				}
			}
			if i < len(base.first[t]) {
				from = max(from, base.first[t][i])
			}
			if from < end {
				out = append(out, window{topic: t, partition: i, from: from, to: end})
				total += end - from
			}
		}
	}
	return out, total
}

// readAnswers reads w and adds the origin and stamp of every output in it
// that keep accepts.
func (s *Scan) readAnswers(ctx context.Context, w window, keep func(topicPartition, int64) bool, add func(topicPartition, int64, Stamp)) error {
	result := len(s.r.opts.Outputs) > 0 && w.topic == s.r.opts.Outputs[0]
	off := w.from
	for off < w.to {
		res, err := s.r.opts.Client.Fetch(ctx, &kafka.FetchRequest{
			Topic: w.topic, Partition: w.partition, Offset: off,
			MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 250 * time.Millisecond,
		})
		if err == nil && res.Error != nil {
			err = res.Error
		}
		if errors.Is(err, kafka.OffsetOutOfRange) {
			// Retention removed the start of the window since it was
			// measured: those outputs are gone, go on from the log start.
			first, berr := s.r.logStart(ctx, w.topic, w.partition)
			if berr == nil && first > off {
				off = first
				continue
			}
		}
		if err != nil {
			return fmt.Errorf("read %s/%d at %d: %w", w.topic, w.partition, off, err)
		}
		next, err := readBatch(res.Records, off, w.to, result, keep, add)
		if err != nil && next == off {
			return fmt.Errorf("read %s/%d at %d: %w", w.topic, w.partition, off, err)
		}
		if next == off {
			return fmt.Errorf("read %s/%d at %d: no records below %d", w.topic, w.partition, off, w.to)
		}
		off = next
	}
	return nil
}

// readBatch reads the records of one fetch response at or above off and below
// to; it returns the offset after the last one read.
func readBatch(rs kafka.RecordReader, off, to int64, result bool, keep func(topicPartition, int64) bool, add func(topicPartition, int64, Stamp)) (int64, error) {
	for {
		r, err := rs.ReadRecord()
		if errors.Is(err, io.EOF) {
			return off, nil
		}
		if err != nil {
			return off, err
		}
		if r.Offset < off {
			continue // a batch may start before the offset asked for
		}
		if r.Offset >= to {
			return to, nil
		}
		off = r.Offset + 1
		if tp, o, ok := sourceOf(r, result); ok && keep(tp, o) {
			if st, ok := stampOf(r.Headers); ok {
				add(tp, o, st)
			}
		}
	}
}

// sourceOf returns the position an output record answers: its
// source.parked header, else its source.* headers (dead letters, and results since they carry them), or for
// a result without them its JSON source ({"source":{"topic","partition",
// "offset"}}, as leadworker's results have).
func sourceOf(r *kafka.Record, result bool) (topicPartition, int64, bool) {
	var topic, part, off string
	for _, h := range r.Headers {
		switch h.Key {
		case HeaderSourceParked:
			if o, ok := parseOrigin(string(h.Value)); ok {
				return topicPartition{o.Topic, o.Partition}, o.Offset, true
			}
			return topicPartition{}, 0, false
		case HeaderSourceTopic:
			topic = string(h.Value)
		case HeaderSourcePart:
			part = string(h.Value)
		case HeaderSourceOffset:
			off = string(h.Value)
		}
	}
	if topic != "" && part != "" && off != "" {
		p, err1 := strconv.Atoi(part)
		o, err2 := strconv.ParseInt(off, 10, 64)
		if err1 != nil || err2 != nil {
			return topicPartition{}, 0, false
		}
		return topicPartition{topic, p}, o, true
	}
	if !result || r.Value == nil {
		return topicPartition{}, 0, false
	}
	b, err := kafka.ReadAll(r.Value)
	if err != nil {
		return topicPartition{}, 0, false
	}
	var v struct {
		Source *struct {
			Topic     string `json:"topic"`
			Partition *int   `json:"partition"`
			Offset    *int64 `json:"offset"`
		} `json:"source"`
	}
	if json.Unmarshal(b, &v) != nil || v.Source == nil || v.Source.Topic == "" || v.Source.Partition == nil || v.Source.Offset == nil {
		return topicPartition{}, 0, false
	}
	return topicPartition{v.Source.Topic, *v.Source.Partition}, *v.Source.Offset, true
}

// holds reports whether the scan found any output of the origin.
func (s *Scan) holds(o Origin) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.found[topicPartition{o.Topic, o.Partition}][o.Offset]) > 0
}

// take reports whether the scan found an output of o whose stamp matches
// st, and forgets that output.
func (s *Scan) take(o Origin, st Stamp) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	offs := s.found[topicPartition{o.Topic, o.Partition}]
	sts := offs[o.Offset]
	for i, have := range sts {
		if have.matches(st) {
			if len(sts) == 1 {
				delete(offs, o.Offset)
			} else {
				offs[o.Offset] = append(sts[:i:i], sts[i+1:]...)
			}
			return true
		}
	}
	return false
}

// Partition waits for the scan and returns the partition's part; false
// means the generation or the process ended first.
func (s *Scan) Partition(shutdown, genCtx context.Context, topic string, id int, log logrus.FieldLogger) (*Partition, bool) {
	select {
	case <-s.done:
	case <-genCtx.Done():
		return nil, false
	case <-shutdown.Done():
		return nil, false
	}
	tp := topicPartition{topic, id}
	p := &Partition{r: s.r, scan: s, tp: tp, log: log, epoch: s.epochs[tp], reset: s.reset[tp]}
	highest := int64(-1)
	s.mu.Lock()
	for off := range s.found[tp] {
		highest = max(highest, off)
	}
	p.found = int64(len(s.found[tp]))
	if end, ok := s.ends[tp]; ok {
		// Route records: which of them were answered shows only when they
		// are fetched, so count none up front, and keep the recorded
		// positions until every record present at the scan is committed.
		highest, p.found = end-1, 0
	}
	s.mu.Unlock()
	p.remaining.Store(p.found)
	if recorded, ok := s.read[tp]; ok {
		// The window from the recorded positions was read: keep them until
		// the commit point passes every answered record found in it.
		p.since = recorded
		if s.base != nil {
			p.cand = &candidate{s: s.base, from: highest + 1}
		}
	} else if s.base != nil {
		// Nothing recorded or nothing read: the sample taken before this
		// partition fetched anything bounds every output it will write.
		p.since, p.sinceSeq = s.base.pos, s.base.seq
	}
	if p.found > 0 {
		p.log.WithFields(logrus.Fields{"answered": p.found, "highest": highest}).
			Info("answered records found; they will be committed without handling")
	}
	return p, true
}
