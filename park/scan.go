package park

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/segmentio/kafka-go"
)

// Scan reads partition p of topic from offset from up to (not including)
// to, and calls add with the tenant (HeaderTenant) of every record: the
// parked records a member takes over with the partition. It reads headers
// only, but fetches whole records; retention may have removed the start
// of the range, which is then skipped.
func Scan(ctx context.Context, client *kafka.Client, topic string, p int, from, to int64, add func(tenant string)) error {
	off := from
	for off < to {
		res, err := client.Fetch(ctx, &kafka.FetchRequest{
			Topic: topic, Partition: p, Offset: off,
			MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 250 * time.Millisecond,
		})
		if err == nil && res.Error != nil {
			err = res.Error
		}
		if errors.Is(err, kafka.OffsetOutOfRange) && res != nil && res.LogStartOffset > off {
			off = res.LogStartOffset
			continue
		}
		if err != nil {
			return fmt.Errorf("count parked records of %s/%d at %d: %w", topic, p, off, err)
		}
		next, err := scanBatch(res.Records, off, to, add)
		if err != nil {
			return fmt.Errorf("count parked records of %s/%d at %d: %w", topic, p, off, err)
		}
		if next == off {
			if res.HighWatermark <= off { // the log ends below to: nothing more to count
				return nil
			}
			return fmt.Errorf("count parked records of %s/%d: no record at %d below %d", topic, p, off, to)
		}
		off = next
	}
	return nil
}

func scanBatch(rs kafka.RecordReader, off, to int64, add func(string)) (int64, error) {
	if rs == nil {
		return off, nil
	}
	for {
		r, err := rs.ReadRecord()
		if errors.Is(err, io.EOF) {
			return off, nil
		}
		if err != nil {
			return off, err
		}
		if r.Offset < off {
			continue // a batch may start before the offset asked for
		}
		if r.Offset >= to {
			return to, nil
		}
		off = r.Offset + 1
		v, _ := Get(r.Headers, HeaderTenant)
		add(string(v))
	}
}
