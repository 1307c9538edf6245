package consumer

import (
	"errors"

	"github.com/leadworker/leadworker/park"
	"time"

	"github.com/segmentio/kafka-go"
)

// batchOverhead is what a record batch adds to its records on the wire
// (61 bytes of batch header) and how much kafka-go's size estimate of a record
// (the v1 message format) can fall short of its v2 encoding, rounded up.
const batchOverhead = 256

// HeaderRoom is the room a dead letter needs above its input's size for the
// error headers (error.message and http.body are truncated; the input's own
// headers are kept as they came).
const HeaderRoom = 64 << 10

// limits are the max.message.bytes of the topics the consumer reads and
// writes, as the broker reported them at startup; 0 = not known.
type limits struct {
	input   int // the largest of the input topics'
	result  int
	dlq     int
	route   int
	byTopic map[string]int // every topic's, as the broker reported it
}

// newWriter returns a writer for one output topic. Its BatchBytes is the
// topic's max.message.bytes when known, so that a batch the writer builds is
// one the broker accepts and a single record the broker would accept is never
// refused in the client; otherwise it is sized for the largest record the
// consumer can be handed (want). Keys go where the Java client's default
// partitioner puts them (murmur2), see Murmur2Balancer.
func newWriter(o *Options, topic string, topicLimit, want int) *kafka.Writer {
	batch := want
	if topicLimit > 0 {
		batch = topicLimit - batchOverhead
	}
	batch = max(batch, 1<<20)
	return &kafka.Writer{
		Addr:  kafka.TCP(o.Brokers...),
		Topic: topic,
		// Consistent=false sends a nil key to a random partition, as the Java
		// client spreads keyless records; a non-nil key, empty included, is
		// placed by murmur2 exactly as the Java default partitioner does.
		Balancer:     &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll, // a literal Writer defaults to no acks
		BatchTimeout: 5 * time.Millisecond,
		BatchSize:    100,
		BatchBytes:   int64(batch),
		MaxAttempts:  3,
		WriteTimeout: 10 * time.Second,
		ReadTimeout:  10 * time.Second,
		Transport:    o.Transport,
		Logger:       kafka.LoggerFunc(o.Logger.WithField("component", "kafka-writer").Debugf),
		ErrorLogger:  kafka.LoggerFunc(o.Logger.WithField("component", "kafka-writer").Debugf),
	}
}

// outputs holds the result, dead-letter and (when routing) route writers.
type outputs struct {
	result *kafka.Writer
	dlq    *kafka.Writer
	route  *kafka.Writer // nil without Options.RouteTopic
	park   *kafka.Writer // nil without Options.ParkTopic
	bulk   *kafka.Writer // nil without Options.BulkTopic (bulk.go)
}

func newOutputs(o *Options, l limits, route kafka.Balancer) *outputs {
	// The largest record a fetch can hand over is the input topic's limit,
	// or MaxRecordBytes when that is not known; a dead letter adds headers.
	largest := max(l.input, o.MaxRecordBytes)
	out := &outputs{
		result: newWriter(o, o.ResultTopic, l.result, 1<<20),
		dlq:    newWriter(o, o.DLQTopic, l.dlq, largest+HeaderRoom),
	}
	if o.RouteTopic != "" {
		out.route = newWriter(o, o.RouteTopic, l.route, largest+HeaderRoom)
		out.route.Balancer = route // murmur2 over the count the stage started with (route/resize.go)
		out.bulk = bulkWriter(o, l, route)
	}
	if o.ParkTopic != "" {
		out.park = newWriter(o, o.ParkTopic, l.byTopic[o.ParkTopic], largest+HeaderRoom)
		out.park.Balancer = park.Balancer{} // the partition it was read from
	}
	return out
}

func (w *outputs) close() error {
	errs := []error{w.result.Close(), w.dlq.Close()}
	for _, x := range []*kafka.Writer{w.route, w.park, w.bulk} {
		if x != nil {
			errs = append(errs, x.Close())
		}
	}
	return errors.Join(errs...)
}
