package consumer

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/segmentio/kafka-go"
)

// TestFairDispatch: 40 records of a busy tenant, then 4 others, each of its
// own key, on one partition, one handler slot. In the order asked the 4 come
// last; with Options.Fair they come before the busy tenant's backlog, by
// fair share when they are another tenant's, by priority when they are the
// same tenant's but more urgent. Each record's dwell is reported once, with
// its priority.
func TestFairDispatch(t *testing.T) {
	t.Parallel()
	const busy, others = 40, 4
	tests := []struct {
		name      string
		fair      bool
		other     Inspection // of the 4; the busy tenant's are {Tenant: "busy"}
		wantFirst bool       // the 4 among the first 2 × 4 + 1 handled
	}{
		{"in the order asked", false, Inspection{Tenant: "quiet"}, false},
		{"fair share", true, Inspection{Tenant: "quiet"}, true},
		{"priority", true, Inspection{Tenant: "busy", Priority: -1}, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, addr := newCluster(t, 1, inTopic, outTopic, dlqTopic)
			var msgs []kafka.Message
			for i := range busy {
				msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprint("b", i)), Value: []byte(fmt.Sprint("busy-", i))})
			}
			for i := range others {
				msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprint("o", i)), Value: []byte(fmt.Sprint("other-", i))})
			}
			produce(t, addr, inTopic, msgs...)

			var (
				mu     sync.Mutex
				dwells = map[string]int{}
				prios  = map[string]int{}
			)
			handler := newFirstHeld(nil) // holds the one slot until every record waits for it
			opts := baseOptions(addr, fmt.Sprint("g-fair-", i), handler)
			opts.MaxInFlight, opts.MaxBuffered, opts.Fair = 1, 64, tt.fair
			opts.Inspect = func(m *Message) Inspection {
				if strings.HasPrefix(string(m.Value), "other-") {
					tt.other.Lane = KeyLane(m)
					return tt.other
				}
				return Inspection{Lane: KeyLane(m), Tenant: "busy"}
			}
			opts.Dwell = func(m *Message, priority int, d time.Duration) {
				mu.Lock()
				defer mu.Unlock()
				dwells[string(m.Value)]++
				prios[string(m.Value)] = priority
				if d < 0 {
					t.Errorf("dwell of %s = %v; want >= 0", m.Value, d)
				}
			}
			r := start(t, opts)
			testkit.WaitFor(t, 30*time.Second, "every other record waiting for the slot", func() bool {
				return r.c.handling.Waiting() == busy+others-1
			})
			handler.release()
			readAll(t, addr, outTopic, busy+others, 30*time.Second)
			r.stop(t)

			mu.Lock()
			defer mu.Unlock()
			order := handler.handled()
			if len(order) != busy+others {
				t.Fatalf("handled %d records; want %d", len(order), busy+others)
			}
			last := 0 // position of the last of the 4 handled
			for i, v := range order {
				if strings.HasPrefix(v, "other-") {
					last = i + 1
				}
			}
			if got := last <= 2*others+1; got != tt.wantFirst {
				t.Errorf("the last of the %d others was handled %d of %d (order %v); want among the first %d: %v",
					others, last, len(order), order, 2*others+1, tt.wantFirst)
			}
			for _, m := range msgs {
				v := string(m.Value)
				want := 0
				if strings.HasPrefix(v, "other-") {
					want = tt.other.Priority
				}
				if dwells[v] != 1 || prios[v] != want {
					t.Errorf("Dwell for %s: called %d times, priority %d; want once, %d", v, dwells[v], prios[v], want)
				}
			}
		})
	}
}
