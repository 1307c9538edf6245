package sandbox

import (
	"context"

	"github.com/leadworker/leadworker/console"
	"github.com/leadworker/leadworker/worker"
)

// Sample is one event to produce: its name (a file in examples/), its Kafka
// key, its value and its headers (such as a producer's traceparent).
type Sample struct {
	Name    string
	Value   []byte
	Key     string
	Headers map[string]string
}

// Produce writes samples to the first input topic, keyed by Sample.Key and
// partitioned as the Java client's default partitioner does (murmur2).
func Produce(ctx context.Context, cfg worker.Config, samples []Sample) error {
	recs := make([]console.Record, len(samples))
	for i, s := range samples {
		recs[i] = console.Record{Name: s.Name, Key: []byte(s.Key), Value: s.Value, Headers: s.Headers}
	}
	_, err := console.Produce(ctx, console.Kafka{Brokers: cfg.Brokers}, cfg.InputTopics[0], recs)
	return err
}
