package park

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

// CountOptions say which parked partition Count reads, from where, and how
// it waits between attempts.
type CountOptions struct {
	Client    *kafka.Client
	Topic     string
	Partition int
	From      int64                                    // the first offset not yet handed back (the committed one)
	End       func(ctx context.Context) (int64, error) // the partition's log end offset now
	BackOff   backoff.BackOff
	Log       logrus.FieldLogger
}

// Count counts in b the parked records of a partition taken over, from
// o.From to its end, and then makes the partition Ready in b: the
// partitions co-partitioned with it wait for that. It tries again with
// o.BackOff until it succeeds or ctx ends (its error then).
func Count(ctx context.Context, o CountOptions, b *Book) error {
	for {
		var tenants []string
		end, err := o.End(ctx)
		if err == nil {
			err = Scan(ctx, o.Client, o.Topic, o.Partition, o.From, end, func(t string) { tenants = append(tenants, t) })
		}
		if err == nil {
			for _, t := range tenants {
				b.Add(o.Partition, t)
			}
			if len(tenants) > 0 {
				o.Log.WithField("parked", len(tenants)).Info("parked records taken over")
			}
			b.Ready(o.Partition)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		o.Log.WithError(err).Warn("cannot count the parked records, retrying; the partitions of this id wait")
		t := time.NewTimer(o.BackOff.NextBackOff())
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

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
