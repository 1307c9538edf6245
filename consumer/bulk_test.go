package consumer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/segmentio/kafka-go"
)

const bulkTopic = "leadworker.route.bulk"

// TestRouteBulk: a route stage sends records with Route.Bulk to the bulk
// topic and the others to the route topic, each key to the same partition id
// in both.
func TestRouteBulk(t *testing.T) {
	t.Parallel()
	const routeTopic = "leadworker.route"
	_, addr := newCluster(t, 3, inTopic, outTopic, dlqTopic, routeTopic, bulkTopic)
	const keys = 12
	var msgs []kafka.Message
	for i := range 2 * keys {
		msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprint("in", i)), Value: []byte(fmt.Sprint("k", i%keys, "/", i/keys))})
	}
	produce(t, addr, inTopic, msgs...)
	router := baseOptions(addr, "g-bulk-route", HandlerFunc(func(_ context.Context, m *Message) (Outcome, error) {
		key, half, _ := strings.Cut(string(m.Value), "/")
		return Outcome{Route: &Route{Key: []byte(key), Bulk: half == "1"}}, nil
	}))
	router.RouteTopic, router.BulkTopic = routeTopic, bulkTopic
	start(t, router)

	live := readAll(t, addr, routeTopic, keys, 30*time.Second)
	bulk := readAll(t, addr, bulkTopic, keys, 30*time.Second)
	at := map[string]int{}
	for _, m := range live {
		if !strings.HasSuffix(string(m.Value), "/0") {
			t.Errorf("route topic holds %s; want only the first half", m.Value)
		}
		at[string(m.Key)] = m.Partition
	}
	for _, m := range bulk {
		if !strings.HasSuffix(string(m.Value), "/1") {
			t.Errorf("bulk route topic holds %s; want only the second half", m.Value)
		}
		if p, ok := at[string(m.Key)]; !ok || p != m.Partition {
			t.Errorf("key %s: bulk partition %d, route partition %d (known %v); want the same", m.Key, m.Partition, p, ok)
		}
	}
}

// TestBulkTakesWhatIsLeft: records of the bulk topic and of another topic
// wait for one handler slot; every record of the other topic is handled
// before the bulk ones still waiting, with or without fair dispatch, and
// the bulk records say so (Message.Bulk).
func TestBulkTakesWhatIsLeft(t *testing.T) {
	t.Parallel()
	const bulkN, liveN = 10, 4
	for i, fair := range []bool{false, true} {
		t.Run(fmt.Sprint("fair=", fair), func(t *testing.T) {
			t.Parallel()
			_, addr := newCluster(t, 1, inTopic, outTopic, dlqTopic, bulkTopic)
			var bulk, live []kafka.Message
			for i := range bulkN {
				bulk = append(bulk, kafka.Message{Key: []byte(fmt.Sprint("b", i)), Value: []byte(fmt.Sprint("bulk-", i))})
			}
			for i := range liveN {
				live = append(live, kafka.Message{Key: []byte(fmt.Sprint("l", i)), Value: []byte(fmt.Sprint("live-", i))})
			}
			produce(t, addr, bulkTopic, bulk...)
			produce(t, addr, inTopic, live...)

			handler := newFirstHeld(func(m *Message) { // holds the one slot until every record waits for it
				if m.Bulk != strings.HasPrefix(string(m.Value), "bulk-") {
					t.Errorf("%s: Message.Bulk = %v", m.Value, m.Bulk)
				}
			})
			opts := baseOptions(addr, fmt.Sprint("g-bulk-left-", i), handler)
			opts.Topics = []string{inTopic, bulkTopic}
			opts.BulkTopic = bulkTopic
			opts.MaxInFlight, opts.MaxBuffered, opts.Fair = 1, 64, fair
			r := start(t, opts)
			testkit.WaitFor(t, 30*time.Second, "every other record waiting for the slot", func() bool {
				return r.c.handling.Waiting() == bulkN+liveN-1
			})
			handler.release()
			readAll(t, addr, outTopic, bulkN+liveN, 30*time.Second)
			r.stop(t)

			order := handler.handled()
			lastLive, firstBulk := -1, len(order)
			for i, v := range order[1:] { // the first held the slot before anyone waited
				switch {
				case strings.HasPrefix(v, "live-"):
					lastLive = i
				case i < firstBulk:
					firstBulk = i
				}
			}
			if lastLive > firstBulk {
				t.Errorf("order %v: a bulk record was handled while a live one waited", order)
			}
		})
	}
}

// TestBulkBufferedShare: the bulk topic's records hold at most a quarter
// of MaxBuffered (at least MaxInFlight), so that a deep bulk backlog leaves
// room to read the other topics.
func TestBulkBufferedShare(t *testing.T) {
	t.Parallel()
	tests := []struct{ inFlight, buffered, want int }{
		{64, 1000, 250},
		{64, 128, 64},
		{1, 4, 1},
	}
	for _, tt := range tests {
		if got := bulkBuffered(&Options{MaxInFlight: tt.inFlight, MaxBuffered: tt.buffered}); got != tt.want {
			t.Errorf("bulkBuffered(in flight %d, buffered %d) = %d; want %d", tt.inFlight, tt.buffered, got, tt.want)
		}
	}
	_, addr := newCluster(t, 1, inTopic, outTopic, dlqTopic, bulkTopic)
	const n = 40
	var bulk []kafka.Message
	for i := range n {
		bulk = append(bulk, kafka.Message{Key: []byte(fmt.Sprint("b", i)), Value: []byte(fmt.Sprint("bulk-", i))})
	}
	produce(t, addr, bulkTopic, bulk...)
	hold := make(chan struct{})
	opts := baseOptions(addr, "g-bulk-share", HandlerFunc(func(ctx context.Context, m *Message) (Outcome, error) {
		select {
		case <-hold:
		case <-ctx.Done():
			return Outcome{}, ctx.Err()
		}
		return Outcome{Result: m.Value}, nil
	}))
	opts.Topics, opts.BulkTopic = []string{inTopic, bulkTopic}, bulkTopic
	opts.MaxInFlight, opts.MaxBuffered = 2, 32 // the bulk share: 8
	r := start(t, opts)
	testkit.WaitFor(t, 30*time.Second, "the bulk share filled", func() bool {
		used, _ := r.c.bulk.Snapshot()
		return used == 8
	})
	produce(t, addr, inTopic, kafka.Message{Key: []byte("live"), Value: []byte("live")})
	testkit.WaitFor(t, 30*time.Second, "the live record read while the bulk share is full", func() bool {
		used, _ := r.c.buffered.Snapshot()
		return used == 9
	})
	if used, _ := r.c.bulk.Snapshot(); used != 8 {
		t.Errorf("bulk records buffered = %d; want 8, the share", used)
	}
	close(hold)
	readAll(t, addr, outTopic, n+1, 30*time.Second)
	r.stop(t)
}
