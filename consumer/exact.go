package consumer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/segmentio/kafka-go"
)

// kafka-go's Reader decodes a zero-length value, key or header value as nil,
// the same as a null one (read.go readNewBytes), so an empty input value
// would be dead-lettered as a null value: a delete marker on a compacted
// topic. The protocol-level kafka.Client.Fetch keeps the difference (a null
// field is a nil Bytes, an empty one is not), so a record the Reader hands
// over with an empty value or header value is read again from there, and its
// key, value and headers are taken as they are in the log. A record whose
// key alone is empty is not read again (unkeyed records are common); its key
// is taken as null.

// needsExact reports whether m has a field the Reader may have turned from
// empty into nil.
func needsExact(m *kafka.Message) bool {
	if len(m.Value) == 0 {
		return true
	}
	for _, h := range m.Headers {
		if len(h.Value) == 0 {
			return true
		}
	}
	return false
}

// exact reads the record at m's offset with kafka.Client.Fetch and sets m's
// key, value and headers to the log's, nil only where the log has null.
func (o *Options) exact(ctx context.Context, c *kafka.Client, m *kafka.Message) error {
	res, err := c.Fetch(ctx, &kafka.FetchRequest{
		Topic: m.Topic, Partition: m.Partition, Offset: m.Offset,
		MinBytes: 1, MaxBytes: int64(o.MaxRecordBytes + headerRoom), MaxWait: time.Second,
	})
	if err != nil {
		return fmt.Errorf("fetch offset %d again: %w", m.Offset, err)
	}
	if res.Error != nil {
		return fmt.Errorf("fetch offset %d again: %w", m.Offset, res.Error)
	}
	for {
		r, err := res.Records.ReadRecord()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("fetch offset %d again: not in the response", m.Offset)
		}
		if err != nil {
			return fmt.Errorf("fetch offset %d again: %w", m.Offset, err)
		}
		if r.Offset != m.Offset {
			continue // a batch may start before the offset asked for
		}
		if m.Key, err = kafka.ReadAll(r.Key); err != nil {
			return err
		}
		if m.Value, err = kafka.ReadAll(r.Value); err != nil {
			return err
		}
		m.Headers = append([]kafka.Header(nil), r.Headers...)
		return nil
	}
}
