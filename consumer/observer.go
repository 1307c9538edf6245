package consumer

import "time"

// Observer is told about every record the consumer finished: it is called
// once per record, after the record's result or dead-letter write was
// acknowledged (its offset may be committed from then on), from the goroutine
// that handled the record. A record that is redelivered is observed again when it
// finishes again. Observe must be quick and must not block (metrics, a flood
// guard); it runs concurrently for records of different keys.
type Observer interface {
	Outcome(m *Message, out Outcome, latency time.Duration)
}

// observe tells the Observer, if any, that r finished with out; latency runs
// from the fetch to the acknowledged write.
func (p *partition) observe(r *record, out Outcome) {
	if o := p.c.opts.Observer; o != nil {
		o.Outcome(&r.msg, out, p.c.opts.Now().Sub(r.fetched))
	}
}
