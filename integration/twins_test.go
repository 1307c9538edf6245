package integration

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// twins are new customers that each arrive twice at about the same moment under two different
// Kafka keys: a DMS customer event keyed by the DMS's number and a web-form lead keyed by the
// lead id. Every customer has a last name of its own in the test's department; the first
// keyed of them carry a customerKey, the others only a phone, so that the second copy can only
// match the first by last name and phone (rule 2).
type twins struct {
	Dept, Dealer string
	suffix       string
	// Events holds both copies of each customer, the first copy at 2i and the second at
	// 2i+1; Identity is the customer's last name.
	Events []event
}

// twinPlacer picks the input partition of copy nth (0 or 1) of customer i; -1 lets the key's
// murmur2 hash decide.
type twinPlacer func(i, nth int) int

// newTwins makes n customers, keyed of them with a customerKey, whose copies land on the
// partitions place picks among partitions.
func newTwins(t *testing.T, n, keyed, partitions int, place twinPlacer) *twins {
	t.Helper()
	s := suffix(t)
	tw := &twins{Dept: "dept-" + s, Dealer: "dealer-" + s, suffix: s}
	tw.add(t, 0, n, keyed, partitions, place)
	return tw
}

// add appends customers from to from+n; those below keyed carry a customerKey.
func (tw *twins) add(t *testing.T, from, n, keyed, partitions int, place twinPlacer) {
	t.Helper()
	for i := from; i < from+n; i++ {
		c := map[string]any{
			"firstName":    "Pat",
			"lastName":     fmt.Sprintf("Twin%04d", i),
			"phoneNumbers": []any{map[string]any{"phoneNumber": twinPhone(i), "label": "mobile"}},
		}
		if i < keyed {
			c["customerKey"] = fmt.Sprintf("TK-%s-%d", tw.suffix, i)
			c["emails"] = []any{map[string]any{"emailAddress": fmt.Sprintf("twin%d.%s@example.com", i, tw.suffix), "label": "home"}}
		}
		for nth, source := range []string{"dms", "web"} {
			id := fmt.Sprintf("tw-%s-%04d-%s", tw.suffix, i, source)
			v := map[string]any{
				"eventId":        id,
				"occurredAt":     "2024-06-08T11:00:00Z",
				"departmentUuid": tw.Dept,
			}
			if nth == 0 {
				v["eventType"] = "customer"
				v["customer"] = c
			} else {
				v["eventType"] = "lead"
				v["dealerUuid"] = tw.Dealer
				v["lead"] = map[string]any{
					"customer":        c,
					"dealerDetails":   map[string]any{"source": "MMC"},
					"services":        []any{map[string]any{"code": "RC-1", "name": "Recall 1"}},
					"status":          "NEW",
					"lastContactDate": "2024-06-08 11:00:00Z",
					"leadType":        "SERVICE_DEMAND",
					"leadId":          fmt.Sprintf("WL-%s-%d", tw.suffix, i),
				}
			}
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("marshal event: %v", err)
			}
			key, p := murmur2Key(fmt.Sprintf("%s-%s-%d", source, tw.suffix, i), place(i, nth), partitions)
			tw.Events = append(tw.Events, event{ID: id, Key: key, Identity: c["lastName"].(string), Partition: p, Value: b})
		}
	}
}

// twinPhone is customer i's phone: ten digits that are not a placeholder (no repeated digit,
// no run, no 555 exchange) and differ per customer.
func twinPhone(i int) string {
	return fmt.Sprintf("+1 312 %03d %04d", 200+i%700, 3000+i)
}

// murmur2Key returns the first of base, base-1, base-2, ... whose murmur2 partition (as
// the Java client and kafka.Murmur2Balancer place it) is want, or base itself when want is
// -1, with the partition it lands on.
func murmur2Key(base string, want, partitions int) (string, int) {
	for n := 0; ; n++ {
		key := base
		if n > 0 {
			key = fmt.Sprintf("%s-%d", base, n)
		}
		if p := javaPartition([]byte(key), partitions); want < 0 || p == want { // raw_test.go
			return key, p
		}
	}
}

// produceMurmur2 writes evs to topic, partitioned by murmur2 of their keys (the placement the
// events' Partition was chosen for), acknowledged by all replicas. It retries until timeout;
// a partial failure rewrites everything, which only adds duplicates of inputs.
func produceMurmur2(t *testing.T, b *broker, topic string, evs []event, timeout time.Duration) {
	t.Helper()
	w, closeW := murmur2Writer(b, topic)
	defer closeW()
	if err := writeRetrying(w, evs, timeout); err != nil { // rebalance_stages_test.go
		t.Fatal(err)
	}
}

// murmur2Writer is a writer to topic that partitions by murmur2 of the key and waits for all
// replicas; close releases it.
func murmur2Writer(b *broker, topic string) (w *kafka.Writer, close func()) {
	// A Transport of its own, as in produce: the default one caches metadata for 6 s.
	tr := &kafka.Transport{MetadataTTL: 500 * time.Millisecond}
	w = &kafka.Writer{
		Transport:    tr,
		Addr:         kafka.TCP(b.addrs...),
		Topic:        topic,
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond,
		BatchSize:    1000,
		Balancer:     &kafka.Murmur2Balancer{},
	}
	return w, func() {
		w.Close()
		tr.CloseIdleConnections()
	}
}

// records are evs as Kafka messages.
func records(evs []event) []kafka.Message {
	msgs := make([]kafka.Message, len(evs))
	for i, e := range evs {
		msgs[i] = kafka.Message{Key: []byte(e.Key), Value: e.Value}
	}
	return msgs
}

// customersByName counts the fake's customers in dept by last name.
func customersByName(fake *mykaarmatest.Server, dept string) map[string]int {
	got := map[string]int{}
	for _, c := range fake.Customers(dept) {
		got[c.Customer.LastName]++
	}
	return got
}

// createdTwice returns the identities of evs the fake holds more than one customer for, and
// fails t for an identity it holds none for or a customer that is none of them.
func createdTwice(t *testing.T, fake *mykaarmatest.Server, dept string, evs []event) []string {
	t.Helper()
	want := identities(evs)
	var twice []string
	for name, n := range customersByName(fake, dept) {
		switch {
		case !want[name]:
			t.Errorf("customer %q exists %d times; want none (not an identity of this test)", name, n)
		case n > 1:
			twice = append(twice, fmt.Sprintf("%s×%d", name, n))
		}
	}
	got := customersByName(fake, dept)
	var never []string
	for name := range want {
		if got[name] == 0 {
			never = append(never, name)
		}
	}
	if len(never) > 0 {
		t.Errorf("%d customers were never created: %s", len(never), strings.Join(head(never, 10), ", "))
	}
	return twice
}
