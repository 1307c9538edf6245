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

// inspect decodes m once, for the process stage, and names its lane, which
// keeps events of one customer in order: the Kafka key, or for an unkeyed
// event the primary token of its customer identity (handlers.Identity: the
// same tokens the identity lock takes), or a lane of its own when nothing
// identifies it (or it does not decode: it is dead-lettered).
func inspect(m *consumer.Message) consumer.Inspection {
	d := &decoded{}
	d.ev, d.err = decodeEvent(m)
	m.Payload = d
	if len(m.Key) > 0 {
		return consumer.Inspection{Lane: string(m.Key)}
	}
	if d.err == nil {
		if ids := handlers.Identity(d.ev); len(ids) > 0 {
			return consumer.Inspection{Lane: ids[0]}
		}
	}
	return consumer.KafkaKey(m)
}
