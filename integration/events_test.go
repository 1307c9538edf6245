package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// event is one input record a test produces.
type event struct {
	ID        string
	Key       string // Kafka key: the customer identity, so one identity stays on one partition
	Identity  string // customerKey
	Partition int
	Value     []byte
}

// workload is a test's events: two per customer identity (a customer event, then a lead for
// the same customer), spread round-robin over the partitions by identity.
type workload struct {
	Dept, Dealer string
	Events       []event
}

// newWorkload makes n events for the topics' partitions.
func newWorkload(t *testing.T, tp topics, n int) *workload {
	t.Helper()
	return newWorkloadWhere(t, tp, n, nil)
}

// newWorkloadWhere is newWorkload with only the customers whose customer event keep accepts
// (every one for nil); the customers it leaves out leave gaps in the numbering.
func newWorkloadWhere(t *testing.T, tp topics, n int, keep func(value []byte) bool) *workload {
	t.Helper()
	s := suffix(t)
	w := &workload{Dept: "dept-" + s, Dealer: "dealer-" + s}
	j := -1
	for i := range n {
		if i%2 == 0 {
			j++
			for keep != nil && !keep(w.value(t, s, i, j)) {
				j++
			}
		}
		key := fmt.Sprintf("CK-%s-%d", s, j)
		w.Events = append(w.Events, event{ID: fmt.Sprintf("ev-%s-%04d", s, i), Key: key, Identity: key, Partition: j % tp.Partitions, Value: w.value(t, s, i, j)})
	}
	return w
}

// value is event i of customer j: its customer event when i is even, else a lead for it.
func (w *workload) value(t *testing.T, s string, i, j int) []byte {
	t.Helper()
	customer := map[string]any{
		"customerKey":  fmt.Sprintf("CK-%s-%d", s, j),
		"firstName":    "Ann",
		"lastName":     fmt.Sprintf("Tester%d", j),
		"emails":       []any{map[string]any{"emailAddress": fmt.Sprintf("ck%d.%s@example.com", j, s), "label": "home"}},
		"phoneNumbers": []any{map[string]any{"phoneNumber": fmt.Sprintf("+1 555 %07d", j), "label": "mobile"}},
	}
	v := map[string]any{
		"eventId":        fmt.Sprintf("ev-%s-%04d", s, i),
		"occurredAt":     "2024-06-08T11:00:00Z",
		"departmentUuid": w.Dept,
	}
	if i%2 == 0 {
		v["eventType"] = "customer"
		v["customer"] = customer
	} else {
		v["eventType"] = "lead"
		v["dealerUuid"] = w.Dealer
		v["lead"] = map[string]any{
			"customer":        customer,
			"dealerDetails":   map[string]any{"source": "MMC"},
			"services":        []any{map[string]any{"code": "RC-1", "name": "Recall 1"}},
			"status":          "NEW",
			"lastContactDate": "2024-06-08 11:00:00Z",
			"leadType":        "SERVICE_DEMAND",
			"leadId":          fmt.Sprintf("L-%s-%d", s, i),
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal event: %v", err)
	}
	return b
}

// IDs returns the event ids of evs.
func IDs(evs []event) []string {
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	return ids
}

// identities returns the distinct customer identities of evs.
func identities(evs []event) map[string]bool {
	m := map[string]bool{}
	for _, e := range evs {
		if e.Identity != "" {
			m[e.Identity] = true
		}
	}
	return m
}

// produce writes evs to topic, each to its event's partition, acknowledged by all replicas. It
// retries until timeout so that it can ride out a broker that is still starting.
func produce(t *testing.T, b *broker, topic string, evs []event, timeout time.Duration) {
	t.Helper()
	part := map[string]int{}
	msgs := make([]kafka.Message, len(evs))
	for i, e := range evs {
		part[e.Key] = e.Partition
		msgs[i] = kafka.Message{Key: []byte(e.Key), Value: e.Value}
	}
	// A Transport of its own: kafka.DefaultTransport is shared by every writer of the process and
	// caches metadata for 6 s, so it would not see a topic created a moment ago.
	tr := &kafka.Transport{MetadataTTL: 500 * time.Millisecond}
	defer tr.CloseIdleConnections()
	w := &kafka.Writer{
		Transport:    tr,
		Addr:         kafka.TCP(b.addrs...),
		Topic:        topic,
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond,
		Balancer: kafka.BalancerFunc(func(m kafka.Message, partitions ...int) int {
			p := part[string(m.Key)]
			if p >= len(partitions) {
				return partitions[0]
			}
			return partitions[p]
		}),
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		err := w.WriteMessages(ctx, msgs...)
		if err == nil {
			return
		}
		// A partial failure rewrites everything: duplicates of inputs are harmless here (the
		// worker dedupes customers by search), loss is not.
		t.Logf("produce %d records to %s: %v; retrying", len(msgs), topic, err)
		if perr := pause(ctx, 500*time.Millisecond); perr != nil {
			t.Fatalf("produce %d records to %s: %v", len(msgs), topic, err)
		}
	}
}

// checkCustomers fails t unless the fake holds exactly one customer per identity in dept, and
// returns how many customers it holds there.
func checkCustomers(t *testing.T, fake *mykaarmatest.Server, dept string, want map[string]bool) int {
	t.Helper()
	got := map[string]int{}
	cs := fake.Customers(dept)
	for _, c := range cs {
		got[c.Customer.CustomerKey]++
	}
	for k, n := range got {
		switch {
		case !want[k]:
			t.Errorf("customer with key %q exists %d times; want none (not an identity of this test)", k, n)
		case n != 1:
			t.Errorf("customer %q created %d times; want 1", k, n)
		}
	}
	for k := range want {
		if got[k] == 0 {
			t.Errorf("customer %q was never created", k)
		}
	}
	return len(cs)
}
