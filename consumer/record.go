package consumer

import (
	"errors"
	"github.com/leadworker/leadworker/dispatch"
	"github.com/leadworker/leadworker/fetch"
	"github.com/leadworker/leadworker/recovery"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

// record is a fetched input record on its way through a lane.
type record struct {
	msg  Message    // as the Handler sees it (for a route record: the input record it carries)
	insp Inspection // what Options.Inspect said of it
	// offset is the record's own offset in the partition it was fetched from,
	// which the watermark tracks.
	offset  int64
	fetched time.Time
	bytes   int64          // held in the consumer's byte budget until handled
	st      recovery.Stamp // see stamp(); set once stamped
	stamped bool
	tenant  string // Inspection.Tenant, or a parked record's park header
	started bool   // it has had a handler slot
}

// newRecord is the record of a fetched one of topic's partition.
func newRecord(f fetch.Record, topic string, partition int) *record {
	var hs []Header
	if len(f.Headers) > 0 {
		hs = make([]Header, len(f.Headers))
		for i, h := range f.Headers {
			hs[i] = Header{Key: h.Key, Value: h.Value}
		}
	}
	return &record{
		msg:    Message{Topic: topic, Partition: partition, Offset: f.Offset, Key: f.Key, Value: f.Value, Time: f.Time, Headers: hs},
		offset: f.Offset,
		bytes:  f.Bytes,
	}
}

// handle takes one record from handler to durable output. The offset is
// marked finished only after the output write was acknowledged; if the work
// context ends first the record stays unfinished and is redelivered.
func (p *partition) handle(r *record) {
	defer p.releaseBuffered(r)
	defer p.c.bytes.Release(r.bytes)
	if p.rec.Skip(originOf(&r.msg), r.stamp) { // its output is on Kafka already
		p.wm.Finish(r.offset)
		p.kick()
		p.unparked(r) // park.go
		return
	}
	out, ok := p.outcome(r)
	if !ok {
		return
	}
	if out.Park != nil && p.book != nil {
		p.book.Add(p.id, out.Park.Tenant)
	}
	if !p.write(r, out) {
		return
	}
	p.wm.Finish(r.offset)
	p.kick() // commit.go
	p.unparked(r)
	if out.Route == nil {
		p.c.rec.Answered(originOf(&r.msg), r.stamp())
	}
	if out.Done != nil {
		out.Done(p.c.opts.Now().Sub(r.fetched))
	}
}

// outcome asks the handler until it answers or the work context ends.
func (p *partition) outcome(r *record) (Outcome, bool) {
	bo := p.c.retryBackOff()
	for {
		out, err := p.handleOnce(r)
		if err == nil {
			return out, true
		}
		if p.work.Err() != nil {
			return Outcome{}, false
		}
		if log := p.log.WithError(err).WithField("offset", r.msg.Offset); waiting(err) {
			log.Debug("handler not done, its tenant is paused; retrying")
		} else {
			log.Warn("handler not done, retrying")
		}
		if !sleep(p.work, bo.NextBackOff()) {
			return Outcome{}, false
		}
	}
}

// waiting reports whether err says the record waits for its tenant to
// resume (leadworker: a paused department), which the tenant's own log
// lines tell; a line per record and retry would drown them.
func waiting(err error) bool {
	var w interface{ PausedDepartment() string }
	return errors.As(err, &w)
}

// handleOnce calls the Handler once it has a handler slot. Slots are held
// only inside the Handler: not while waiting to retry, nor while writing.
func (p *partition) handleOnce(r *record) (Outcome, error) {
	w := dispatch.Waiter{Tenant: r.tenant, Priority: r.insp.Priority, Since: r.fetched, Background: r.msg.Bulk}
	if err := p.c.handling.Acquire(p.work, w); err != nil {
		return Outcome{}, err
	}
	defer p.c.handling.Release(w)
	if !r.started && p.c.opts.Dwell != nil {
		since := r.fetched
		if r.msg.Routed && !r.msg.Parked && r.msg.Time.Before(since) {
			since = r.msg.Time // the route write
		}
		p.c.opts.Dwell(&r.msg, r.insp.Priority, p.c.opts.Now().Sub(since))
	}
	r.started = true
	if p.book != nil {
		r.msg.ParkedAhead = p.book.Count(p.id, r.tenant)
	}
	return p.c.opts.Handler.Handle(p.work, &r.msg)
}

// write writes the result or dead-letter record until the broker acknowledges
// it or the work context ends. While it fails the record is listed in
// Stats.OutputFailing. A dead letter the broker keeps refusing (too large, or
// invalid for the topic) for Options.DLQWriteGiveUp is replaced by a
// reference letter (DeadLetter.Reference), so that the partition moves on.
func (p *partition) write(r *record, out Outcome) bool {
	var (
		w     *kafka.Writer
		topic string
		m     kafka.Message
	)
	switch {
	case out.DeadLetter != nil:
		w, topic = p.c.out.dlq, p.c.opts.DLQTopic
		m = deadLetterMessage(&r.msg, r.stamp(), out.DeadLetter)
	case out.Route != nil:
		if p.c.out.route == nil {
			p.log.WithField("offset", r.offset).Error("handler routed a record but Options.RouteTopic is not set; the record stays unfinished")
			return false
		}
		w, topic = p.c.out.route, p.c.opts.RouteTopic
		if out.Route.Bulk && p.c.out.bulk != nil {
			w, topic = p.c.out.bulk, p.c.opts.BulkTopic // bulk.go
		}
		m = routeMessage(&r.msg, out.Route, p.c.opts.GroupID)
		if p.c.route.Wait(p.work) != nil { // held while the route topic's partitions change (route/resize.go)
			return false
		}
	case out.Park != nil:
		if p.c.out.park == nil {
			p.log.WithField("offset", r.offset).Error("handler parked a record but Options.ParkTopic is not set; the record stays unfinished")
			return false
		}
		w, topic = p.c.out.park, p.c.opts.ParkTopic
		m = parkMessage(&r.msg, r.stamp(), out.Park, p.id) // park.go
	default:
		w, topic = p.c.out.result, p.c.opts.ResultTopic
		m = kafka.Message{Key: r.msg.Key, Value: out.Result, Headers: appendSourceHeaders(nil, &r.msg, r.stamp())} // stamp.go
	}
	m.Headers = withHeaders(m.Headers, out.Headers)
	bo := p.c.retryBackOff()
	var since time.Time // when the first write failed; zero while none has
	defer func() {
		if !since.IsZero() {
			p.c.failing.clear(&r.msg)
		}
	}()
	reference := false
	for {
		err := w.WriteMessages(p.work, m)
		if err == nil {
			if reference {
				p.c.unwritable.Add(1)
			}
			return true
		}
		if p.work.Err() != nil {
			return false
		}
		now := p.c.opts.Now()
		if since.IsZero() {
			since = now
		}
		p.c.failing.fail(&r.msg, topic, err, since)
		log := p.log.WithError(err).WithFields(logrus.Fields{"offset": r.msg.Offset, "topic_out": topic})
		if d := out.DeadLetter; d != nil && d.Reference != nil && !reference && refused(err) && now.Sub(since) >= p.c.opts.DLQWriteGiveUp {
			log.WithField("bytes", len(r.msg.Value)).Error("dead letter refused for DLQ_WRITE_GIVE_UP; writing a reference letter without the value")
			m, reference = referenceMessage(&r.msg, r.stamp(), d, err), true
			m.Headers = withHeaders(m.Headers, out.Headers)
			bo.Reset()
			continue
		}
		log.Error("output write failed, retrying; offset stays uncommitted")
		if !sleep(p.work, bo.NextBackOff()) {
			return false
		}
	}
}

// stamp returns r's stamp (recovery.Stamp: its epoch and the SHA-256 of its
// value), hashing the value the first time.
func (r *record) stamp() recovery.Stamp {
	if !r.stamped {
		r.st = recovery.NewStamp(r.msg.Epoch, r.msg.Value)
		r.stamped = true
	}
	return r.st
}

// appendSourceHeaders appends the source.* headers of m's origin and st to
// dst: a dead letter and a result both carry them, so that answered work is
// found after a crash whatever the Handler's results look like.
func appendSourceHeaders(dst []kafka.Header, m *Message, st recovery.Stamp) []kafka.Header {
	t, part, o := m.origin()
	return recovery.SourceHeaders(dst, recovery.Origin{Topic: t, Partition: part, Offset: o}, m.parked, st)
}
