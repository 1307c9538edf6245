package integration

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
)

// leadLoad makes lead events in one department, each for a new customer of its own: every
// event saves one lead at myKaarma (which the fake counts), and no two share an identity, so
// none waits for another in the worker's ordering lanes. Events can be placed on an input
// partition and, with identity routing, on a route partition (by their routing key).
type leadLoad struct {
	Dept, Dealer string
	suffix       string
	routeParts   int // the route topic's partition count
	next         int // the next customer's number
}

func newLeadLoad(t *testing.T, tp topics) *leadLoad {
	s := suffix(t)
	return &leadLoad{Dept: "dept-" + s, Dealer: "dealer-" + s, suffix: s, routeParts: tp.Partitions}
}

// anyRoute places an event on whatever route partition its routing key picks.
const anyRoute = -1

// make returns n new lead events on input partition in whose routing keys land on route
// partition route, or anywhere for anyRoute.
func (l *leadLoad) make(t *testing.T, n, in, route int) []event {
	t.Helper()
	var evs []event
	for len(evs) < n {
		e := l.lead(t)
		if route == anyRoute || routePartition(t, e.Value, l.routeParts) == route {
			e.Partition = in
			evs = append(evs, e)
		}
	}
	return evs
}

// lead is the next customer's lead event.
func (l *leadLoad) lead(t *testing.T) event {
	t.Helper()
	i := l.next
	l.next++
	key := fmt.Sprintf("LC-%s-%d", l.suffix, i)
	id := fmt.Sprintf("ld-%s-%04d", l.suffix, i)
	v, err := json.Marshal(map[string]any{
		"eventId":        id,
		"eventType":      "lead",
		"occurredAt":     "2024-06-08T11:00:00Z",
		"departmentUuid": l.Dept,
		"dealerUuid":     l.Dealer,
		"lead": map[string]any{
			"customer": map[string]any{
				"customerKey":  key,
				"firstName":    "Lee",
				"lastName":     fmt.Sprintf("Quiet%05d", i),
				"emails":       []any{map[string]any{"emailAddress": fmt.Sprintf("lc%d.%s@example.com", i, l.suffix), "label": "home"}},
				"phoneNumbers": []any{map[string]any{"phoneNumber": fmt.Sprintf("+1 646 %03d %04d", 200+i%700, 3000+i%7000), "label": "mobile"}},
			},
			"dealerDetails":   map[string]any{"source": "MMC"},
			"services":        []any{map[string]any{"code": "RC-1", "name": "Recall 1"}},
			"status":          "NEW",
			"lastContactDate": "2024-06-08 11:00:00Z",
			"leadType":        "SERVICE_DEMAND",
			"leadId":          "L-" + id,
		},
	})
	if err != nil {
		t.Fatalf("marshal event: %v", err)
	}
	return event{ID: id, Key: "k-" + id, Identity: key, Value: v}
}

// routePartition is the route partition, of n, the route stage sends the event value to: the
// murmur2 partition of its routing key.
func routePartition(t *testing.T, value []byte, n int) int {
	t.Helper()
	ev, err := schemas.Decode(value)
	if err != nil {
		t.Fatalf("decode event: %v", err)
	}
	h, err := handlers.New(handlers.Options{API: &mykaarma.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	return javaPartition(h.Identify(ev).RoutingKey, n) // raw_test.go
}

// leadIDOf returns the leadId of a lead event's value, or "".
func leadIDOf(value []byte) string {
	var v struct {
		Lead *struct {
			LeadID string `json:"leadId"`
		} `json:"lead"`
	}
	if json.Unmarshal(value, &v) != nil || v.Lead == nil {
		return ""
	}
	return v.Lead.LeadID
}
