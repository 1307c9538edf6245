package handlers

import (
	"fmt"
	"github.com/leadworker/leadworker/mykaarma"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/leadworker/leadworker/schemas"
)

// identified returns the identity of ev as a handler with the default
// options (the built-in placeholders ignored) sees it.
func identified(t *testing.T, ev *schemas.Event) Identity {
	t.Helper()
	h, err := New(Options{API: &mykaarma.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	return h.Identify(ev)
}

func TestRoutingKey(t *testing.T) {
	t.Parallel()
	cust := func(dept string, c schemas.Customer) *schemas.Event {
		return &schemas.Event{EventID: "e-" + c.LastName, DepartmentUUID: dept, Customer: &c}
	}
	tests := []struct {
		name string
		a, b *schemas.Event
		same bool
		byA  string
	}{
		{"last name in any case and accent form", cust("d1", schemas.Customer{LastName: "García"}), cust("d1", schemas.Customer{LastName: " GARCI\u0301A "}), true, RouteByLastName},
		{"same last name, other key", cust("d1", schemas.Customer{LastName: "Ng", CustomerKey: "A"}), cust("d1", schemas.Customer{LastName: "Ng", CustomerKey: "B"}), true, RouteByLastName},
		{"other department", cust("d1", schemas.Customer{LastName: "Ng"}), cust("d2", schemas.Customer{LastName: "Ng"}), false, RouteByLastName},
		{"no last name: the key", cust("d1", schemas.Customer{CustomerKey: "dms-1"}), cust("d1", schemas.Customer{CustomerKey: "DMS-1"}), true, RouteByCustomerKey},
		{"no last name, no key: the first phone", cust("d1", schemas.Customer{PhoneNumbers: []schemas.Phone{{PhoneNumber: "(415) 684-0142"}}}),
			cust("d1", schemas.Customer{PhoneNumbers: []schemas.Phone{{PhoneNumber: "+14156840142"}}}), true, RouteByContact},
		{"nothing: the event id", &schemas.Event{EventID: "x", DepartmentUUID: "d1", Customer: &schemas.Customer{}},
			&schemas.Event{EventID: "y", DepartmentUUID: "d1", Customer: &schemas.Customer{}}, false, RouteByEventID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ia, ib := identified(t, tt.a), identified(t, tt.b)
			ka, by, kb := ia.RoutingKey, ia.RoutedBy, ib.RoutingKey
			if (string(ka) == string(kb)) != tt.same {
				t.Errorf("keys %s and %s; same = %v, want %v", ka, kb, string(ka) == string(kb), tt.same)
			}
			if by != tt.byA {
				t.Errorf("by = %s; want %s", by, tt.byA)
			}
			if len(ka) != 32 || strings.Trim(string(ka), "0123456789abcdef") != "" {
				t.Errorf("key %q is not a 32-digit hex digest", ka)
			}
		})
	}
}

// TestRoutingKeyInvariant generates events of a few customers written the
// ways CRMs write them and checks the invariant over every pair: events that
// share an identity token (so the decision tree could match one to the
// other) share a routing key, except a customerKey arriving without its last
// name, which RoutingKey reports as RouteByCustomerKey.
func TestRoutingKeyInvariant(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	type person struct{ last, key, phone, email, vin string }
	people := []person{
		{"Nguyen", "DMS-1", "4156840142", "alice@example.com", "1HGCV1F34LA012345"},
		{"Nguyen", "", "4156840199", "bob@example.com", "1HGCV1F34LA099999"},
		{"García", "DMS-2", "3126840199", "maria@example.com", "1FTFW1E50PFC10709"},
		{"Smith", "DMS-3", "4156840142", "", "5YJ3E1EA7KF000001"}, // shares Alice's phone, other last name
	}
	variants := map[string][]string{"Nguyen": {"Nguyen", "NGUYEN", " nguyen"}, "García": {"García", "GARCI\u0301A", "garcía"}, "Smith": {"Smith", "SMITH"}}
	var events []*schemas.Event
	for i := range 400 {
		p := people[rng.IntN(len(people))]
		c := schemas.Customer{}
		if rng.IntN(5) > 0 {
			vs := variants[p.last]
			c.LastName = vs[rng.IntN(len(vs))]
		}
		if p.key != "" && rng.IntN(2) == 0 {
			c.CustomerKey = p.key
		}
		if rng.IntN(2) == 0 {
			c.PhoneNumbers = []schemas.Phone{{PhoneNumber: fmt.Sprintf("(%s) %s-%s", p.phone[:3], p.phone[3:6], p.phone[6:])}}
		}
		if p.email != "" && rng.IntN(2) == 0 {
			c.Emails = []schemas.Email{{EmailAddress: strings.ToUpper(p.email)}}
		}
		ev := &schemas.Event{EventID: fmt.Sprint("e", i), DepartmentUUID: "d1", Lead: &schemas.Lead{Customer: c}}
		if rng.IntN(2) == 0 {
			ev.Lead.Vehicle = &schemas.Vehicle{VIN: p.vin}
		}
		events = append(events, ev)
	}
	exceptions, checked := 0, 0
	for i, a := range events {
		ta := map[string]bool{}
		ia := identified(t, a)
		for _, tok := range ia.Tokens {
			ta[tok] = true
		}
		ka, byA := ia.RoutingKey, ia.RoutedBy
		for _, b := range events[i+1:] {
			shared := false
			ib := identified(t, b)
			for _, tok := range ib.Tokens {
				shared = shared || ta[tok]
			}
			if !shared {
				continue
			}
			kb, byB := ib.RoutingKey, ib.RoutedBy
			if byA == RouteByCustomerKey || byB == RouteByCustomerKey {
				exceptions++
				continue
			}
			checked++
			if string(ka) != string(kb) {
				t.Fatalf("events %s and %s share an identity token but route apart (%s, %s)", a.EventID, b.EventID, byA, byB)
			}
		}
	}
	if checked < 1000 || exceptions == 0 {
		t.Errorf("checked %d matching pairs and %d exceptions; the generator covers too little", checked, exceptions)
	}
}
