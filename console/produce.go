package console

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// Kafka is how console reaches the brokers: their addresses, and the dialer
// (reads) and transport (metadata, writes) that carry TLS and SASL
// (kafkaadmin.Connections); nil dialer and transport are plain TCP.
type Kafka struct {
	Brokers   []string
	Dialer    *kafka.Dialer
	Transport kafka.RoundTripper
}

func (k Kafka) client() *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(k.Brokers...), Transport: k.Transport, Timeout: 10 * time.Second}
}

// Produced is where one record went.
type Produced struct {
	Record
	Partition int
	Offset    int64
}

// maxRequestBytes bounds the records of one produce request, well under the
// brokers' default message.max.bytes (1 MiB) for a batch; a larger record
// goes alone.
const maxRequestBytes = 512 << 10

// Produce writes recs to topic and returns where each went, in recs' order;
// after an error, only those that were written.
// A keyed record goes to the partition the Java client's default
// partitioner picks for its key (murmur2 of the key, modulo the partition
// count), so it lands where the CRM's own producer would put it; a record
// without a key goes to a random partition. Every write is acknowledged by
// all in-sync replicas. Records of one partition keep their order.
func Produce(ctx context.Context, k Kafka, topic string, recs []Record) ([]Produced, error) {
	client := k.client()
	count, err := partitionCount(ctx, client, topic)
	if err != nil {
		return nil, err
	}
	ids := make([]int, count)
	for i := range ids {
		ids[i] = i
	}
	balancer := &kafka.Murmur2Balancer{}
	out := make([]Produced, len(recs))
	written := make([]bool, len(recs))
	result := func() []Produced {
		var ok []Produced
		for i, p := range out {
			if written[i] {
				ok = append(ok, p)
			}
		}
		return ok
	}
	byPartition := map[int][]int{} // partition → indexes into recs, in order
	var order []int
	for i, r := range recs {
		p := balancer.Balance(kafka.Message{Key: r.Key}, ids...)
		out[i] = Produced{Record: r, Partition: p}
		if _, ok := byPartition[p]; !ok {
			order = append(order, p)
		}
		byPartition[p] = append(byPartition[p], i)
	}
	for _, p := range order {
		idx := byPartition[p]
		for len(idx) > 0 {
			n, size := 0, 0
			for n < len(idx) && (n == 0 || size+len(recs[idx[n]].Value) <= maxRequestBytes) {
				size += len(recs[idx[n]].Value) + len(recs[idx[n]].Key)
				n++
			}
			base, err := produceRetrying(ctx, client, topic, p, recs, idx[:n])
			if err != nil {
				return result(), fmt.Errorf("produce to %s partition %d: %w", topic, p, err)
			}
			for j, i := range idx[:n] {
				out[i].Offset = base + int64(j)
				written[i] = true
			}
			idx = idx[n:]
		}
	}
	return result(), nil
}

// produceRetrying is produce, retried for up to retryFor while the broker
// answers with a retriable error (a leader election after the topic was
// just created, say).
func produceRetrying(ctx context.Context, client *kafka.Client, topic string, partition int, recs []Record, idx []int) (int64, error) {
	deadline := time.Now().Add(retryFor)
	wait := 100 * time.Millisecond
	for {
		base, err := produce(ctx, client, topic, partition, recs, idx)
		var kerr kafka.Error
		if err == nil || !errors.As(err, &kerr) || !kerr.Temporary() || time.Now().Add(wait).After(deadline) {
			return base, err
		}
		select {
		case <-ctx.Done():
			return 0, err
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// retryFor bounds produceRetrying.
const retryFor = 15 * time.Second

// produce writes the records recs[idx...] to one partition in one request
// and returns the offset of the first.
func produce(ctx context.Context, client *kafka.Client, topic string, partition int, recs []Record, idx []int) (int64, error) {
	batch := make([]kafka.Record, len(idx))
	for j, i := range idx {
		r := recs[i]
		batch[j] = kafka.Record{Time: time.Now(), Value: kafka.NewBytes(r.Value)}
		if r.Key != nil {
			batch[j].Key = kafka.NewBytes(r.Key)
		}
		for name, v := range r.Headers {
			batch[j].Headers = append(batch[j].Headers, kafka.Header{Key: name, Value: []byte(v)})
		}
	}
	resp, err := client.Produce(ctx, &kafka.ProduceRequest{
		Topic: topic, Partition: partition, RequiredAcks: kafka.RequireAll,
		Records: kafka.NewRecordReader(batch...),
	})
	if err != nil {
		return 0, err
	}
	if resp.Error != nil {
		return 0, resp.Error
	}
	for _, e := range resp.RecordErrors {
		return 0, e
	}
	return resp.BaseOffset, nil
}

// partitionCount returns topic's partition count, or an error naming the
// topic when it does not exist.
func partitionCount(ctx context.Context, client *kafka.Client, topic string) (int, error) {
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return 0, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	if len(meta.Topics) != 1 {
		return 0, fmt.Errorf("topic %s: no metadata", topic)
	}
	t := meta.Topics[0]
	if errors.Is(t.Error, kafka.UnknownTopicOrPartition) || (t.Error == nil && len(t.Partitions) == 0) {
		return 0, fmt.Errorf("topic %s does not exist (leadworker topics create makes it)", topic)
	}
	if t.Error != nil {
		return 0, fmt.Errorf("topic %s: %w", topic, t.Error)
	}
	return len(t.Partitions), nil
}
