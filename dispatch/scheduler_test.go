package dispatch

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// ask is a waiter queued by a test under a name.
type ask struct {
	name string
	w    Waiter
}

// askAll starts an Acquire for each ask, one after the other, each once the
// one before is waiting, so that they ask in that order. Each granted ask's
// name is sent on the returned channel.
func askAll(t *testing.T, s *Scheduler, asks []ask) <-chan string {
	t.Helper()
	granted := make(chan string, len(asks))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	for _, a := range asks {
		before := s.Waiting()
		go func() {
			if err := s.Acquire(ctx, a.w); err == nil {
				granted <- a.name
			}
		}()
		waitFor(t, func() bool { return s.Waiting() == before+1 }, "ask %s queued", a.name)
	}
	return granted
}

// waitFor polls cond until it holds, failing the test after 5s.
func waitFor(t *testing.T, cond func() bool, what string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 5s: not "+what, args...)
		}
		runtime.Gosched()
	}
}

func next(t *testing.T, granted <-chan string) string {
	t.Helper()
	select {
	case n := <-granted:
		return n
	case <-time.After(5 * time.Second):
		t.Fatal("no waiter granted after 5s")
		return ""
	}
}

func w(tenant string, priority int) Waiter { return Waiter{Tenant: tenant, Priority: priority} }

func TestGrantOrder(t *testing.T) {
	t.Parallel()
	type step struct {
		release Waiter // the slot given back
		want    string // the ask granted in its place
	}
	tests := []struct {
		name  string
		opts  Options
		held  []Waiter // slots taken before anyone waits
		asks  []ask
		steps []step
	}{
		{
			name: "not fair: in the order asked",
			opts: Options{Limit: 1},
			held: []Waiter{w("h", 0)},
			asks: []ask{{"a", w("A", 1)}, {"b", w("B", -1)}, {"c", w("A", 0)}},
			steps: []step{
				{w("h", 0), "a"}, {w("A", 1), "b"}, {w("B", -1), "c"},
			},
		},
		{
			name: "most urgent priority first",
			opts: Options{Limit: 1, Fair: true},
			held: []Waiter{w("h", 0)},
			asks: []ask{{"low", w("A", 1)}, {"normal", w("B", 0)}, {"high", w("C", -1)}, {"normal2", w("A", 0)}},
			steps: []step{
				{w("h", 0), "high"}, {w("C", -1), "normal"}, {w("B", 0), "normal2"}, {w("A", 0), "low"},
			},
		},
		{
			name: "round robin across tenants of one priority",
			opts: Options{Limit: 1, Fair: true},
			held: []Waiter{w("h", 0)},
			asks: []ask{{"a1", w("A", 0)}, {"a2", w("A", 0)}, {"a3", w("A", 0)}, {"b1", w("B", 0)}, {"b2", w("B", 0)}},
			steps: []step{
				{w("h", 0), "a1"}, {w("A", 0), "b1"}, {w("B", 0), "a2"}, {w("A", 0), "b2"}, {w("B", 0), "a3"},
			},
		},
		{
			name: "a tenant above its share gets nothing while another waits",
			opts: Options{Limit: 4, Fair: true},
			held: []Waiter{w("A", 0), w("A", 0), w("A", 0), w("A", 0)},
			asks: []ask{{"a5", w("A", 0)}, {"a6", w("A", 0)}, {"b1", w("B", 0)}, {"b2", w("B", 0)}},
			steps: []step{
				{w("A", 0), "b1"}, // A holds 3, B 0
				{w("A", 0), "b2"}, // A 2, B 1
				{w("A", 0), "a5"}, // A 1, B 2, B has no one waiting
				{w("B", 0), "a6"},
			},
		},
		{
			name: "fewest held wins over priority of the tenant's other work",
			opts: Options{Limit: 2, Fair: true},
			held: []Waiter{w("A", 1), w("A", 1)},
			asks: []ask{{"a-normal", w("A", 0)}, {"b-normal", w("B", 0)}, {"b-low", w("B", 1)}},
			steps: []step{
				{w("A", 1), "b-normal"}, // A holds 1, B 0: B first at normal
				{w("A", 1), "a-normal"}, // normal before low
				{w("A", 0), "b-low"},
			},
		},
		{
			name: "weights share the slots",
			opts: Options{Limit: 3, Fair: true, Weight: func(t string) int {
				if t == "A" {
					return 2
				}
				return 0 // taken as 1
			}},
			held: []Waiter{w("h", 0), w("h", 0), w("h", 0)},
			asks: []ask{{"a1", w("A", 0)}, {"a2", w("A", 0)}, {"a3", w("A", 0)}, {"b1", w("B", 0)}, {"b2", w("B", 0)}},
			steps: []step{
				{w("h", 0), "a1"}, // both hold 0; A's queue came first
				{w("h", 0), "b1"}, // A 1/2, B 0
				{w("h", 0), "a2"}, // A 1/2, B 1/1
				{w("B", 0), "b2"}, // A 2/2, B 0
				{w("B", 0), "a3"},
			},
		},
		{
			name: "a waiter past MaxDefer goes before more urgent work",
			opts: Options{Limit: 1, Fair: true, MaxDefer: 10 * time.Second},
			held: []Waiter{w("h", 0)},
			asks: []ask{
				{"high", w("A", -1)},
				{"young-low", Waiter{Tenant: "B", Priority: 1, Since: t0.Add(-5 * time.Second)}},
				{"old-low", Waiter{Tenant: "B", Priority: 1, Since: t0.Add(-20 * time.Second)}},
				{"older-low", Waiter{Tenant: "C", Priority: 1, Since: t0.Add(-30 * time.Second)}},
			},
			steps: []step{
				{w("h", 0), "older-low"}, {w("C", 1), "old-low"}, {w("B", 1), "high"}, {w("A", -1), "young-low"},
			},
		},
		{
			name: "negative MaxDefer: priority alone",
			opts: Options{Limit: 1, Fair: true, MaxDefer: -1},
			held: []Waiter{w("h", 0)},
			asks: []ask{
				{"ancient-low", Waiter{Tenant: "B", Priority: 1, Since: t0.Add(-time.Hour)}},
				{"normal", w("A", 0)},
			},
			steps: []step{{w("h", 0), "normal"}, {w("A", 0), "ancient-low"}},
		},
		{
			name: "background waiters only when no other waits, never by MaxDefer",
			opts: Options{Limit: 1, Fair: true, MaxDefer: 10 * time.Second},
			held: []Waiter{w("h", 0)},
			asks: []ask{
				{"bulk-ancient", Waiter{Tenant: "A", Background: true, Since: t0.Add(-time.Hour)}},
				{"low", Waiter{Tenant: "B", Priority: 1, Since: t0}},
				{"bulk-b", Waiter{Tenant: "B", Background: true, Since: t0}},
				{"bulk-a", Waiter{Tenant: "A", Background: true, Since: t0}},
			},
			steps: []step{
				{w("h", 0), "low"},
				{w("B", 1), "bulk-ancient"},
				{Waiter{Tenant: "A", Background: true}, "bulk-b"}, // fair among background waiters
				{Waiter{Tenant: "B", Background: true}, "bulk-a"},
			},
		},
		{
			name: "not fair: background still last",
			opts: Options{Limit: 1},
			held: []Waiter{w("h", 0)},
			asks: []ask{{"bulk", Waiter{Background: true}}, {"a", w("A", 1)}, {"b", w("B", 0)}},
			steps: []step{
				{w("h", 0), "a"}, {w("A", 1), "b"}, {w("B", 0), "bulk"},
			},
		},
		{
			name:  "a waiter without Since counts from when it asked",
			opts:  Options{Limit: 1, Fair: true, MaxDefer: time.Second},
			held:  []Waiter{w("h", 0)},
			asks:  []ask{{"low", w("B", 1)}, {"normal", w("A", 0)}},
			steps: []step{{w("h", 0), "normal"}, {w("A", 0), "low"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &clock{t: t0}
			tt.opts.Now = c.now
			s := New(tt.opts)
			for _, h := range tt.held {
				if err := s.Acquire(context.Background(), h); err != nil {
					t.Fatalf("Acquire(%v) = %v; want nil", h, err)
				}
			}
			granted := askAll(t, s, tt.asks)
			for i, st := range tt.steps {
				s.Release(st.release)
				if got := next(t, granted); got != st.want {
					t.Fatalf("step %d: Release(%v) granted %q; want %q", i, st.release, got, st.want)
				}
			}
			select {
			case n := <-granted:
				t.Fatalf("%q granted with no slot free", n)
			default:
			}
		})
	}
}

func TestCancelWhileWaiting(t *testing.T) {
	t.Parallel()
	s := New(Options{Limit: 1, Fair: true})
	if err := s.Acquire(context.Background(), w("A", 0)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Acquire(ctx, w("B", 0)) }()
	waitFor(t, func() bool { return s.Waiting() == 1 }, "waiting")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire() = %v; want context.Canceled", err)
	}
	if n := s.Waiting(); n != 0 {
		t.Fatalf("Waiting() = %d after cancel; want 0", n)
	}
	s.Release(w("A", 0))
	if used, limit := s.Snapshot(); used != 0 || limit != 1 {
		t.Fatalf("Snapshot() = (%d, %d); want (0, 1)", used, limit)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if busy(s) != 0 || len(s.levels) != 0 || len(s.aged) != 0 {
		t.Fatalf("after all released: %d tenants busy, %d levels, %d aged; want none", busy(s), len(s.levels), len(s.aged))
	}
}

func TestSetLimit(t *testing.T) {
	t.Parallel()
	for _, fair := range []bool{false, true} {
		s := New(Options{Limit: 1, Fair: fair})
		if err := s.Acquire(context.Background(), w("A", 0)); err != nil {
			t.Fatal(err)
		}
		granted := askAll(t, s, []ask{{"b", w("B", 0)}, {"c", w("C", 0)}})
		s.SetLimit(3)
		got := map[string]bool{next(t, granted): true, next(t, granted): true}
		if !got["b"] || !got["c"] {
			t.Fatalf("fair=%v: SetLimit(3) granted %v; want b and c", fair, got)
		}
		s.SetLimit(0) // taken as 1; the three held stay held
		if used, limit := s.Snapshot(); used != 3 || limit != 1 {
			t.Fatalf("fair=%v: Snapshot() = (%d, %d); want (3, 1)", fair, used, limit)
		}
		granted = askAll(t, s, []ask{{"d", w("D", 0)}})
		s.Release(w("A", 0))
		s.Release(w("B", 0))
		select {
		case n := <-granted:
			t.Fatalf("fair=%v: %q granted while 1 of limit 1 is held", fair, n)
		default:
		}
		s.Release(w("C", 0))
		if n := next(t, granted); n != "d" {
			t.Fatalf("fair=%v: granted %q; want d", fair, n)
		}
	}
}

// busy counts the tenants s remembers that hold slots or wait; s.mu must
// be held.
func busy(s *Scheduler) int {
	n := 0
	for _, t := range s.tenants {
		if !t.idle {
			n++
		}
	}
	return n
}

// TestIdleTenantsDropped: tenants that come and go are not remembered for
// ever.
func TestIdleTenantsDropped(t *testing.T) {
	t.Parallel()
	s := New(Options{Limit: 2, Fair: true})
	for i := range 10000 {
		wt := Waiter{Tenant: "dept-" + strconv.Itoa(i)}
		if err := s.Acquire(context.Background(), wt); err != nil {
			t.Fatal(err)
		}
		s.Release(wt)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.tenants); n > 2*keepIdle+1 {
		t.Fatalf("%d tenants remembered after 10000 came and went; want at most %d", n, 2*keepIdle+1)
	}
}
