package worker

import (
	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/fairshare"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/schemas"
)

// decoded is an event as the process stage's inspect decoded it
// (consumer.Message.Payload), so that the processor does not decode it again.
type decoded struct {
	ev  *schemas.Event
	err error
}

// identifier derives an event's identity (*handlers.Handler).
type identifier interface {
	Identify(ev *schemas.Event) handlers.Identity
}

// inspector is the process stage's consumer.Options.Inspect: it decodes m
// once, names its department (the tenant of parked events and of fair
// dispatch), its priority by rules, and its lane, which keeps events of one customer in order: the
// Kafka key, or for an unkeyed event the primary token of its customer's
// identity (the identity lock's first token), or a lane of its own when
// nothing identifies it (or it does not decode: it is dead-lettered).
func inspector(id identifier, rules []fairshare.PriorityRule) func(m *consumer.Message) consumer.Inspection {
	return func(m *consumer.Message) consumer.Inspection {
		d := &decoded{}
		d.ev, d.err = decodeEvent(m)
		m.Payload = d
		var insp consumer.Inspection
		var ev *schemas.Event // nil when it does not decode
		if d.err == nil {
			ev = d.ev
			insp.Tenant = ev.DepartmentUUID // whose parked events it waits behind (park.go), whose share of slots it takes
		}
		insp.Priority = fairshare.Priority(rules, m, ev)
		switch {
		case len(m.Key) > 0:
			insp.Lane = string(m.Key)
		case d.err == nil:
			insp.Lane = id.Identify(d.ev).Lane()
		}
		if insp.Lane == "" {
			insp.Lane = consumer.KeyLane(m)
		}
		return insp
	}
}
