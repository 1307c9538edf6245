package replay

import (
	"context"
	"fmt"
	"github.com/leadworker/leadworker/deadletter"
	"github.com/leadworker/leadworker/kafkaadmin"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// handle lists, skips or publishes one dead letter. A record is skipped when
// it was replayed MaxReplays times, or when Check refuses its value (the
// worker would only dead-letter it again); DryRun lists every matching record
// with what a real run would do with it, a real run lists what it skips.
func (r *replayer) handle(ctx context.Context, m kafka.Message) error {
	if !r.o.matches(m) {
		return nil
	}
	r.sum.Matched++
	n, _ := strconv.Atoi(header(m, HeaderReplayCount))
	action, message := actionReplay, header(m, deadletter.HeaderErrorMessage)
	switch {
	case r.o.MaxReplays > 0 && n >= r.o.MaxReplays:
		action = "skip: replayed " + strconv.Itoa(n) + " times"
	case r.o.Check != nil:
		if err := r.o.Check(m.Value); err != nil {
			action, message = actionSkipInvalid, err.Error()
		}
	}
	if action != actionReplay {
		r.sum.Skipped++
	}
	if r.o.DryRun || action != actionReplay {
		r.list(m, n, action, message)
		return nil
	}
	if err := r.publish(ctx, m, n+1); err != nil {
		return fmt.Errorf("publish offset %d of partition %d: %w", m.Offset, m.Partition, err)
	}
	r.sum.Replayed++
	return nil
}

// The ACTION column of Replay's listing.
const (
	actionReplay      = "replay"
	actionSkipInvalid = "skip: invalid"
)

// list writes one line of the listing, after its header line.
func (r *replayer) list(m kafka.Message, replays int, action, message string) {
	if !r.listed {
		fmt.Fprintln(r.out, "FAILED AT\tCLASS\tEVENT ID\tREPLAYS\tACTION\tMESSAGE")
		r.listed = true
	}
	fmt.Fprintf(r.out, "%s\t%s\t%s\t%d\t%s\t%s\n", header(m, deadletter.HeaderFailedAt), header(m, deadletter.HeaderErrorClass),
		header(m, deadletter.HeaderEventID), replays, action, message)
}

func (o Options) matches(m kafka.Message) bool {
	if o.Class != "" && header(m, deadletter.HeaderErrorClass) != o.Class {
		return false
	}
	if o.EventID != "" && header(m, deadletter.HeaderEventID) != o.EventID {
		return false
	}
	if !o.Since.IsZero() {
		at, err := time.Parse(time.RFC3339Nano, header(m, deadletter.HeaderFailedAt))
		if err != nil {
			at = m.Time
		}
		if at.Before(o.Since) {
			return false
		}
	}
	return true
}

// publish writes the dead letter's original key, value and input headers to
// the input topic with replay.count set to n, acknowledged by every in-sync
// replica. It goes to the partition the record came from (source.partition)
// while that topic still has it, so that it stays in order with the rest of
// its key's events; otherwise to the partition Java's default partitioner
// (murmur2) picks for its key.
func (r *replayer) publish(ctx context.Context, m kafka.Message, n int) error {
	to := r.o.To
	if to == "" {
		to = header(m, deadletter.HeaderSourceTopic)
	}
	if to == "" {
		to = r.o.DefaultTo
	}
	count, err := r.partitionCount(ctx, to)
	if err != nil {
		return err
	}
	partition, err := strconv.Atoi(header(m, deadletter.HeaderSourcePart))
	if err != nil || partition < 0 || partition >= count || (r.o.To != "" && r.o.To != header(m, deadletter.HeaderSourceTopic)) {
		partitions := make([]int, count)
		for i := range partitions {
			partitions[i] = i
		}
		partition = (&kafka.Murmur2Balancer{}).Balance(kafka.Message{Key: m.Key}, partitions...)
	}
	rec := kafka.Record{Key: bytesOrNil(m.Key), Value: bytesOrNil(m.Value), Headers: replayHeaders(m.Headers, n)}
	resp, err := r.client.Produce(ctx, &kafka.ProduceRequest{
		Topic: to, Partition: partition, RequiredAcks: kafka.RequireAll,
		Records: kafka.NewRecordReader(rec),
	})
	if err != nil {
		return err
	}
	if resp.Error != nil {
		return resp.Error
	}
	for _, e := range resp.RecordErrors {
		return e
	}
	return nil
}

// partitionCount returns how many partitions topic has.
func (r *replayer) partitionCount(ctx context.Context, topic string) (int, error) {
	if n, ok := r.partitions[topic]; ok {
		return n, nil
	}
	n, err := kafkaadmin.PartitionCount(ctx, r.client, topic)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, fmt.Errorf("topic %s not found", topic)
	}
	r.partitions[topic] = n
	return n, nil
}

// replayHeaders are the input's own headers (not the error headers) with
// replay.count set to n.
func replayHeaders(in []kafka.Header, n int) []kafka.Header {
	var hs []kafka.Header
	for _, h := range in {
		if !deadletter.Own(h.Key) && h.Key != HeaderReplayCount {
			hs = append(hs, h)
		}
	}
	return append(hs, kafka.Header{Key: HeaderReplayCount, Value: []byte(strconv.Itoa(n))})
}

func bytesOrNil(b []byte) kafka.Bytes {
	if b == nil {
		return nil
	}
	return kafka.NewBytes(b)
}

func header(m kafka.Message, key string) string {
	for i := len(m.Headers) - 1; i >= 0; i-- {
		if m.Headers[i].Key == key {
			return string(m.Headers[i].Value)
		}
	}
	return ""
}
