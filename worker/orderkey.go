package worker

import (
	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/schemas"
)

// orderKey keeps events of one customer in order: the Kafka key, or for an
// unkeyed event the primary token of its customer identity (handlers.Identity:
// the same tokens the identity lock takes), or no constraint when nothing
// identifies it.
func orderKey(m *consumer.Message) string {
	if len(m.Key) > 0 {
		return string(m.Key)
	}
	if ev, err := schemas.PeekEvent(m.Value); err == nil {
		if ids := handlers.Identity(ev); len(ids) > 0 {
			return ids[0]
		}
	}
	return consumer.KafkaKey(m)
}
