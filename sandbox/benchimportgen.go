package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// The import bench's events and how they are produced: the import at a
// steady rate in small batches, the live leads one at a time.

// benchImportDept is the department of the import; the live leads
// alternate between benchLiveDepts.
var (
	benchImportDept = benchDeptUUID(8) // I
	benchLiveDepts  = []string{benchDeptUUID(0), benchDeptUUID(1)}
)

// The event ids of the two kinds of lead start with these.
const (
	importPrefix = "import-"
	livePrefix   = "live-"
)

func isImport(eventID string) bool { return strings.HasPrefix(eventID, importPrefix) }
func isLive(eventID string) bool   { return strings.HasPrefix(eventID, livePrefix) }

// benchImportLeads returns n RECALL leads of new customers (each a search,
// a create and a lead save) at benchImportDept, spread over keys Kafka keys.
func benchImportLeads(n, keys int) []kafka.Message {
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = benchLead(fmt.Sprintf("%s%07d", importPrefix, i), fmt.Sprintf("import-key-%d", i%keys),
			benchImportDept, "RECALL", "Import", fmt.Sprintf("+1 415 %03d %04d", i/10000%1000, i%10000))
	}
	return msgs
}

// benchLiveLead returns the i-th live lead: a SERVICE_DEMAND lead of a new
// customer at one of benchLiveDepts, keyed on its own.
func benchLiveLead(i int) kafka.Message {
	return benchLead(fmt.Sprintf("%s%07d", livePrefix, i), fmt.Sprintf("live-key-%d", i),
		benchLiveDepts[i%len(benchLiveDepts)], "SERVICE_DEMAND", "Live", fmt.Sprintf("+1 628 %03d %04d", i/10000%1000, i%10000))
}

func benchLead(id, key, dept, leadType, family, phone string) kafka.Message {
	ev := map[string]any{
		"eventId":        id,
		"eventType":      "lead",
		"occurredAt":     "2026-11-20T09:20:00Z",
		"departmentUuid": dept,
		"dealerUuid":     "c4b2e7a9-1f3d-4e6b-8a5c-9d0e1f2a3b4c",
		"lead": map[string]any{
			"customer": map[string]any{
				"firstName":    "Bench",
				"lastName":     family + strings.TrimLeft(id[strings.IndexByte(id, '-')+1:], "0"),
				"phoneNumbers": []map[string]string{{"phoneNumber": phone, "label": "mobile"}},
			},
			"dealerDetails":   map[string]string{"source": "MMC"},
			"services":        []map[string]string{{"code": "RC-20V123", "name": "Fuel pump recall 20V123"}},
			"status":          "NEW",
			"lastContactDate": "2026-11-20 09:20:00Z",
			"leadType":        leadType,
		},
	}
	b, _ := json.Marshal(ev)
	return kafka.Message{Key: []byte(key), Value: b}
}

// benchWriter writes to topic as the bench's producers do: murmur2, acks
// from all replicas, batches sent after 1ms.
func benchWriter(brokers []string, topic string) *kafka.Writer {
	return &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, Balancer: &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond, BatchSize: 500}
}

// producePaced writes msgs to topic at rate per second: every 10ms, the
// events due by then, in one batch stamped with the time it was handed to
// the writer. It returns once all are written.
func producePaced(ctx context.Context, brokers []string, topic string, msgs []kafka.Message, rate float64) error {
	w := benchWriter(brokers, topic)
	defer w.Close()
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	start := time.Now()
	for sent := 0; sent < len(msgs); {
		due := min(len(msgs), int(time.Since(start).Seconds()*rate)+1)
		if due > sent {
			now := time.Now().Truncate(time.Millisecond) // what the records carry
			for i := sent; i < due; i++ {
				msgs[i].Time = now
			}
			if err := w.WriteMessages(ctx, msgs[sent:due]...); err != nil {
				return fmt.Errorf("produce import events %d to %d: %w", sent, due-1, err)
			}
			sent = due
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// produceLive writes live leads to topic, one every 1/rate seconds, the
// first 1/rate after it starts: n of them, or with n < 0 until until is
// closed (at least one). Each carries the time it was handed to the
// writer. It returns the leads written.
func produceLive(ctx context.Context, brokers []string, topic string, rate float64, n int, until <-chan struct{}) ([]kafka.Message, error) {
	w := benchWriter(brokers, topic)
	defer w.Close()
	t := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer t.Stop()
	var sent []kafka.Message
	for i := 0; n < 0 || i < n; i++ {
		select {
		case <-ctx.Done():
			return sent, ctx.Err()
		case <-t.C:
		}
		if n < 0 && i > 0 {
			select {
			case <-until:
				return sent, nil
			default:
			}
		}
		m := benchLiveLead(i)
		m.Time = time.Now().Truncate(time.Millisecond)
		if err := w.WriteMessages(ctx, m); err != nil {
			return sent, fmt.Errorf("produce live lead %d: %w", i, err)
		}
		sent = append(sent, m)
	}
	return sent, nil
}
