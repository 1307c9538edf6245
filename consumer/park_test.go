package consumer

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/park"
	"github.com/segmentio/kafka-go"
)

const parkTopic = "leadworker.parked"

// parker is a handler that parks the records of tenant "b" while paused,
// and any record of a tenant with records parked ahead of it; it answers
// everything else, parked records coming back included.
type parker struct {
	paused    atomic.Bool
	mu        sync.Mutex
	ahead     map[string]int // value -> ParkedAhead seen when parked for it
	answered  map[string]int // value -> times answered
	parkCalls int
}

func (h *parker) Handle(_ context.Context, m *Message) (Outcome, error) {
	tenant, _, _ := strings.Cut(string(m.Value), ":")
	h.mu.Lock()
	defer h.mu.Unlock()
	if !m.Parked && ((tenant == "b" && h.paused.Load()) || m.ParkedAhead > 0) {
		h.ahead[string(m.Value)] = m.ParkedAhead
		h.parkCalls++
		return Outcome{Park: &Park{Tenant: tenant, Headers: []Header{{Key: park.HeaderReason, Value: []byte("test")}}}}, nil
	}
	h.answered[string(m.Value)]++
	return Outcome{Result: m.Value}, nil
}

// Records parked while their tenant is paused come back from the parked
// topic once ParkHold lets them, answered once each, in order per key;
// records of the tenant that arrive while some are parked go behind them;
// every offset, of the input and of the parked topic, is committed.
func TestParkedRecordsComeBackInOrder(t *testing.T) {
	t.Parallel()
	const parts = 3
	_, addr := newCluster(t, parts, inTopic, parkTopic, outTopic, dlqTopic)
	h := &parker{ahead: map[string]int{}, answered: map[string]int{}}
	h.paused.Store(true)
	release := make(chan struct{})
	var held atomic.Int32
	opts := baseOptions(addr, "g-park", h)
	opts.Topics = []string{inTopic, parkTopic}
	opts.ParkTopic, opts.CoPartitioned = parkTopic, []string{inTopic, parkTopic}
	opts.Inspect = func(m *Message) Inspection {
		tenant, _, _ := strings.Cut(string(m.Value), ":")
		return Inspection{Lane: KeyLane(m), Tenant: tenant}
	}
	opts.ParkHold = func(ctx context.Context, m *Message) error {
		held.Add(1)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	start(t, opts)

	// value = tenant:key:sequence
	batch := func(tenant string, from, n int) []kafka.Message {
		var out []kafka.Message
		for i := from; i < from+n; i++ {
			k := fmt.Sprintf("k%d", i%4)
			out = append(out, kafka.Message{Key: []byte(tenant + k), Value: []byte(fmt.Sprintf("%s:%s:%03d", tenant, k, i))})
		}
		return out
	}
	produce(t, addr, inTopic, append(batch("a", 0, 10), batch("b", 0, 10)...)...)
	testkit.WaitFor(t, 20*time.Second, "a answered and b parked", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.answered) == 10 && h.parkCalls == 10
	})
	testkit.WaitFor(t, 20*time.Second, "the input committed past the parked records", func() bool {
		return sum(committed(t, addr, "g-park", inTopic)) == 20
	})
	testkit.WaitFor(t, 20*time.Second, "a parked record held", func() bool { return held.Load() > 0 })

	// Resumed, but records are parked: new b records go behind them.
	h.paused.Store(false)
	produce(t, addr, inTopic, batch("b", 10, 8)...)
	testkit.WaitFor(t, 20*time.Second, "the new b records parked behind", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.parkCalls == 18
	})
	h.mu.Lock()
	for i := 10; i < 18; i++ {
		v := batch("b", i, 1)[0].Value
		if h.ahead[string(v)] == 0 {
			t.Errorf("%s parked with ParkedAhead 0", v)
		}
	}
	h.mu.Unlock()

	close(release)
	testkit.WaitFor(t, 30*time.Second, "every record answered", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.answered) == 28
	})
	testkit.WaitFor(t, 20*time.Second, "the parked topic committed", func() bool {
		return sum(committed(t, addr, "g-park", parkTopic)) == 18
	})
	h.mu.Lock()
	for v, n := range h.answered {
		if n != 1 {
			t.Errorf("%s answered %d times", v, n)
		}
	}
	h.mu.Unlock()

	// Results per key in sequence order.
	last := map[string]int{}
	for _, m := range readAll(t, addr, outTopic, 28, 10*time.Second) {
		f := strings.Split(string(m.Value), ":")
		seq, _ := strconv.Atoi(f[2])
		key := f[0] + f[1]
		if prev, ok := last[key]; ok && seq < prev {
			t.Errorf("key %s: result %d after %d", key, seq, prev)
		}
		last[key] = seq
		if string(m.Key) != key {
			t.Errorf("result of %s keyed %q; want the input key %q", m.Value, m.Key, key)
		}
	}
	parked := readAll(t, addr, parkTopic, 18, 10*time.Second)
	for _, m := range parked {
		want := strconv.Itoa(m.Partition)
		if v, _ := park.Get(m.Headers, park.HeaderPartition); string(v) != want {
			t.Errorf("parked record on partition %d names partition %s", m.Partition, v)
		}
	}
}
