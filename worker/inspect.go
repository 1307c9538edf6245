package worker

import (
	"github.com/leadworker/leadworker/consumer"
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
// once and names its lane, which keeps events of one customer in order: the
// Kafka key, or for an unkeyed event the primary token of its customer's
// identity (the identity lock's first token), or a lane of its own when
// nothing identifies it (or it does not decode: it is dead-lettered).
func inspector(id identifier) func(m *consumer.Message) consumer.Inspection {
	return func(m *consumer.Message) consumer.Inspection {
		d := &decoded{}
		d.ev, d.err = decodeEvent(m)
		m.Payload = d
		if len(m.Key) > 0 {
			return consumer.Inspection{Lane: string(m.Key)}
		}
		if d.err == nil {
			if lane := id.Identify(d.ev).Lane(); lane != "" {
				return consumer.Inspection{Lane: lane}
			}
		}
		return consumer.KafkaKey(m)
	}
}
