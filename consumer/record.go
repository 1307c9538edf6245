package consumer

import (
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

// record is a fetched input record on its way through a lane.
type record struct {
	msg     Message
	fetched time.Time
}

// handle takes one record from handler to durable output. The offset is
// marked finished only after the output write was acknowledged; if the work
// context ends first the record stays unfinished and is redelivered.
func (p *partition) handle(r *record) {
	defer p.c.buffered.release()
	out, ok := p.outcome(r)
	if !ok {
		return
	}
	if !p.write(r, out) {
		return
	}
	p.wm.finish(r.msg.Offset)
	p.observe(r, out)
	p.logOutcome(r, out)
}

// outcome asks the handler until it answers or the work context ends.
func (p *partition) outcome(r *record) (Outcome, bool) {
	if n := len(r.msg.Value); n > p.c.opts.MaxRecordBytes {
		return Outcome{DeadLetter: &DeadLetter{
			Class:   ClassInvalid,
			Message: tooLarge(n, p.c.opts.MaxRecordBytes),
		}}, true
	}
	bo := p.c.retryBackOff()
	for {
		out, err := p.handleOnce(r)
		if err == nil {
			return out, true
		}
		if p.work.Err() != nil {
			return Outcome{}, false
		}
		p.log.WithError(err).WithField("offset", r.msg.Offset).Warn("handler not done, retrying")
		if !sleep(p.work, bo.NextBackOff()) {
			return Outcome{}, false
		}
	}
}

// handleOnce calls the Handler once it has a handler slot. Slots are held
// only inside the Handler: not while waiting to retry, nor while writing.
func (p *partition) handleOnce(r *record) (Outcome, error) {
	if err := p.c.handling.acquire(p.work); err != nil {
		return Outcome{}, err
	}
	defer p.c.handling.release()
	return p.c.opts.Handler.Handle(p.work, &r.msg)
}

// write writes the result or dead-letter record until the broker acknowledges
// it or the work context ends.
func (p *partition) write(r *record, out Outcome) bool {
	var m kafka.Message
	if out.DeadLetter != nil {
		m = deadLetterMessage(p.c.opts.DLQTopic, &r.msg, out.DeadLetter, p.c.opts.Now())
	} else {
		m = kafka.Message{Topic: p.c.opts.ResultTopic, Key: r.msg.Key, Value: out.Result}
	}
	bo := p.c.retryBackOff()
	for {
		err := p.c.writer.WriteMessages(p.work, m)
		if err == nil {
			return true
		}
		if p.work.Err() != nil {
			return false
		}
		p.log.WithError(err).WithFields(logrus.Fields{"offset": r.msg.Offset, "topic_out": m.Topic}).Error("output write failed, retrying; offset stays uncommitted")
		if !sleep(p.work, bo.NextBackOff()) {
			return false
		}
	}
}

func (p *partition) logOutcome(r *record, out Outcome) {
	f := logrus.Fields{
		"offset":     r.msg.Offset,
		"latency_ms": p.c.opts.Now().Sub(r.fetched).Milliseconds(),
	}
	for k, v := range out.Fields {
		f[k] = v
	}
	if d := out.DeadLetter; d != nil {
		f["class"] = d.Class
		f["reason"] = d.Message
		if d.EventID != "" {
			f["eventId"] = d.EventID
		}
		p.log.WithFields(f).Warn("dead-lettered")
		return
	}
	p.log.WithFields(f).Info("processed")
}
