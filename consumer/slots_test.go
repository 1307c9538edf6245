package consumer

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/segmentio/kafka-go"
)

// endOffset returns the number of records in topic: the sum of its
// partitions' last offsets.
func endOffset(t *testing.T, addr, topic string) int64 {
	t.Helper()
	var n int64
	for _, p := range partitionsOf(t, addr, topic) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		lc, err := kafka.DialLeader(ctx, "tcp", addr, topic, p.ID)
		cancel()
		if err != nil {
			t.Fatalf("dial leader of %s/%d: %v", topic, p.ID, err)
		}
		last, err := lc.ReadLastOffset()
		lc.Close()
		if err != nil {
			t.Fatalf("last offset of %s/%d: %v", topic, p.ID, err)
		}
		n += last
	}
	return n
}

// raise sets m to n if n is larger.
func raise(m *atomic.Int64, n int64) {
	for old := m.Load(); n > old && !m.CompareAndSwap(old, n); old = m.Load() {
	}
}

func TestQueuedRecordTakesNoHandlerSlot(t *testing.T) {
	t.Parallel()
	_, addr := newCluster(t, 1, inTopic, outTopic, dlqTopic)

	// slow-0 blocks in the handler. The other slow-* records queue behind it
	// (same key) and the o-* records, each with its own key, come after and
	// between them. With a handler slot taken per fetched record, slow-0 and
	// slow-1 would fill MaxInFlight=2 and nothing else would be handled.
	var msgs []kafka.Message
	slow := func(i int) kafka.Message {
		return kafka.Message{Key: []byte("slow"), Value: []byte(fmt.Sprintf("slow-%d", i))}
	}
	other := func(i int) kafka.Message {
		return kafka.Message{Key: []byte(fmt.Sprintf("o-%d", i)), Value: []byte(fmt.Sprintf("o-%d", i))}
	}
	msgs = append(msgs, slow(0), slow(1), slow(2))
	const others, slows = 8, 6
	for i, s := 0, 3; i < others; i++ {
		msgs = append(msgs, other(i))
		if i%2 == 1 && s < slows {
			msgs = append(msgs, slow(s))
			s++
		}
	}
	produce(t, addr, inTopic, msgs...)
	total := len(msgs)
	if total != others+slows {
		t.Fatalf("produced %d records; want %d", total, others+slows)
	}

	h := newEcho()
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	handler := HandlerFunc(func(ctx context.Context, m *Message) (Outcome, error) {
		if string(m.Value) == "slow-0" {
			entered <- struct{}{}
			select {
			case <-release:
			case <-ctx.Done():
				return Outcome{}, ctx.Err()
			}
		}
		return h.Handle(ctx, m)
	})
	opts := baseOptions(addr, "g-queued-slot", handler)
	opts.MaxInFlight = 2
	opts.MaxBuffered = 16
	r := start(t, opts)
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("slow-0 never reached the handler")
	}

	got := readAll(t, addr, outTopic, others, 30*time.Second)
	seen := map[string]bool{}
	for _, m := range got {
		if !strings.HasPrefix(string(m.Value), "o-") {
			t.Errorf("result %q while slow-0 is blocked; want only o-* results", m.Value)
		}
		seen[string(m.Value)] = true
	}
	if len(seen) != others {
		t.Fatalf("while slow-0 is blocked: %d distinct o-* results %v; want %d", len(seen), seen, others)
	}
	// slow-0 holds a handler slot and a buffer slot; slow-1..5 only buffer slots.
	testkit.WaitFor(t, 10*time.Second, "Stats to show one record handled and the slow ones buffered", func() bool {
		s := r.c.Stats()
		return s.InFlight == 1 && s.Buffered == slows && s.Limit == 2
	})
	if n := h.distinct(); n != others {
		t.Errorf("handled %d records while slow-0 is blocked; want the %d others", n, others)
	}

	close(release)
	testkit.WaitFor(t, 30*time.Second, "every offset committed", func() bool {
		return committed(t, addr, "g-queued-slot", inTopic)[0] == int64(total)
	})
	testkit.WaitFor(t, 10*time.Second, "every slot released", func() bool {
		s := r.c.Stats()
		return s.InFlight == 0 && s.Buffered == 0
	})
	r.stop(t)

	if n := endOffset(t, addr, outTopic); n != int64(total) {
		t.Errorf("result topic holds %d records; want one per input, %d", n, total)
	}
	results := readAll(t, addr, outTopic, total, 10*time.Second)
	count := map[string]int{}
	for _, m := range results {
		count[string(m.Value)]++
	}
	for _, m := range msgs {
		if count[string(m.Value)] != 1 {
			t.Errorf("results for %s = %d; want 1", m.Value, count[string(m.Value)])
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for v, n := range h.calls {
		if n != 1 {
			t.Errorf("%s handled %d times; want 1", v, n)
		}
	}
}

func TestHandlerConcurrencyBounded(t *testing.T) {
	t.Parallel()
	_, addr := newCluster(t, 3, inTopic, outTopic, dlqTopic)
	const n, maxInFlight, maxBuffered = 200, 4, 8
	produce(t, addr, inTopic, keyed(n, 50)...)

	var (
		consumer     atomic.Pointer[Consumer]
		ready        = make(chan struct{}) // closed once consumer is set
		inside, most atomic.Int64          // calls inside the handler now, and at most
		mostBuffered atomic.Int64          // Stats().Buffered, at most
		mostInFlight atomic.Int64          // Stats().InFlight, at most
		minInFlight  atomic.Int64          // Stats().InFlight, at least
		full         = make(chan struct{}) // closed once maxInFlight calls were inside at once
		fullOnce     sync.Once
	)
	minInFlight.Store(1 << 30)
	// Only a deadline, started by the first call so that joining the group and
	// the first fetch do not use it up: if concurrency never reaches the limit,
	// the first calls stop waiting for it and the test fails on most != maxInFlight.
	var deadlineOnce sync.Once
	var fullDeadline atomic.Pointer[time.Timer]
	defer func() {
		if tm := fullDeadline.Load(); tm != nil {
			tm.Stop()
		}
	}()

	h := newEcho()
	handler := HandlerFunc(func(ctx context.Context, m *Message) (Outcome, error) {
		select {
		case <-ready:
		case <-ctx.Done():
			return Outcome{}, ctx.Err()
		}
		deadlineOnce.Do(func() {
			fullDeadline.Store(time.AfterFunc(10*time.Second, func() { fullOnce.Do(func() { close(full) }) }))
		})
		now := inside.Add(1)
		defer inside.Add(-1)
		raise(&most, now)
		if now >= maxInFlight {
			fullOnce.Do(func() { close(full) })
		}
		// The first calls wait for each other, so the limit is reached.
		select {
		case <-full:
		case <-ctx.Done():
			return Outcome{}, ctx.Err()
		}
		s := consumer.Load().Stats()
		raise(&mostBuffered, int64(s.Buffered))
		raise(&mostInFlight, int64(s.InFlight))
		for old := minInFlight.Load(); int64(s.InFlight) < old && !minInFlight.CompareAndSwap(old, int64(s.InFlight)); old = minInFlight.Load() {
		}
		time.Sleep(time.Millisecond) // simulated work, not synchronisation
		return h.Handle(ctx, m)
	})
	opts := baseOptions(addr, "g-bounded", handler)
	opts.MaxInFlight = maxInFlight
	opts.MaxBuffered = maxBuffered
	r := start(t, opts)
	consumer.Store(r.c)
	close(ready)

	testkit.WaitFor(t, 60*time.Second, "all committed", func() bool { return sum(committed(t, addr, "g-bounded", inTopic)) == n })
	testkit.WaitFor(t, 10*time.Second, "every slot released", func() bool {
		s := r.c.Stats()
		return s.InFlight == 0 && s.Buffered == 0
	})
	r.stop(t)

	if got := most.Load(); got != maxInFlight {
		t.Errorf("most concurrent Handle calls = %d; want exactly MaxInFlight %d", got, maxInFlight)
	}
	if got := mostInFlight.Load(); got > maxInFlight {
		t.Errorf("most Stats().InFlight = %d; want <= %d", got, maxInFlight)
	}
	if got := minInFlight.Load(); got < 1 {
		t.Errorf("Stats().InFlight inside the handler = %d; want >= 1 (the caller holds a slot)", got)
	}
	if got := mostBuffered.Load(); got > maxBuffered || got < 1 {
		t.Errorf("most Stats().Buffered = %d; want 1..%d", got, maxBuffered)
	}
	if got := h.distinct(); got != n {
		t.Errorf("handled %d distinct records; want %d", got, n)
	}
	t.Logf("most handler calls %d, most buffered %d", most.Load(), mostBuffered.Load())
}

func TestOptionsBufferLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                      string
		maxInFlight, maxBuffered  int
		wantErr                   string
		wantHandling, wantBuffers int
	}{
		{name: "defaults", wantHandling: 64, wantBuffers: 128},
		{name: "buffered defaults to twice in flight", maxInFlight: 4, wantHandling: 4, wantBuffers: 8},
		{name: "buffered equal to in flight", maxInFlight: 4, maxBuffered: 4, wantHandling: 4, wantBuffers: 4},
		{name: "buffered above in flight", maxInFlight: 4, maxBuffered: 16, wantHandling: 4, wantBuffers: 16},
		{name: "buffered below in flight", maxInFlight: 4, maxBuffered: 3, wantErr: "MaxBuffered 3 is below MaxInFlight 4"},
		{name: "buffered below the default in flight", maxBuffered: 10, wantErr: "MaxBuffered 10 is below MaxInFlight 64"},
		{name: "negative buffered", maxInFlight: 4, maxBuffered: -1, wantErr: "must not be negative"},
		{name: "negative in flight", maxInFlight: -1, wantErr: "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := baseOptions("127.0.0.1:1", "g", newEcho())
			o.MaxInFlight, o.MaxBuffered = tt.maxInFlight, tt.maxBuffered
			c, err := New(o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New() error = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New() error = %v; want nil", err)
			}
			if _, limit := c.handling.Snapshot(); limit != tt.wantHandling {
				t.Errorf("handler limit = %d; want %d", limit, tt.wantHandling)
			}
			if _, limit := c.buffered.Snapshot(); limit != tt.wantBuffers {
				t.Errorf("buffer limit = %d; want %d", limit, tt.wantBuffers)
			}
			if s := c.Stats(); s.Limit != tt.wantHandling || s.InFlight != 0 || s.Buffered != 0 {
				t.Errorf("Stats() = %+v; want Limit %d and nothing in flight or buffered", s, tt.wantHandling)
			}
		})
	}
}

func TestSetMaxInFlight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		n         int
		wantLimit int
	}{
		{name: "lower", n: 3, wantLimit: 3},
		{name: "at the option", n: 8, wantLimit: 8},
		{name: "capped at the option", n: 100, wantLimit: 8},
		{name: "zero means one", n: 0, wantLimit: 1},
		{name: "negative means one", n: -2, wantLimit: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := baseOptions("127.0.0.1:1", "g", newEcho())
			o.MaxInFlight = 8
			c, err := New(o)
			if err != nil {
				t.Fatalf("New() error = %v", err)
			}
			c.SetMaxInFlight(tt.n)
			if got := c.Stats().Limit; got != tt.wantLimit {
				t.Errorf("SetMaxInFlight(%d): Stats().Limit = %d; want %d", tt.n, got, tt.wantLimit)
			}
			if _, limit := c.buffered.Snapshot(); limit != 16 {
				t.Errorf("SetMaxInFlight(%d) changed the buffer limit to %d; want 16", tt.n, limit)
			}
		})
	}
}
