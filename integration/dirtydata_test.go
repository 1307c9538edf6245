package integration

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/schemas"
)

// The dirty-data tests seed the fake myKaarma with more customers sharing one phone than a
// search page holds (MYKAARMA_MAX_RESULTS=25; the fake returns the oldest 25 and hides the rest,
// as the live API does), then send one lead and check the customer it was saved for.

const dirtyMaxResults = 25

// seedPhoneCustomers adds n customers with phone (E.164) to dept, half of them keyed, all with
// other last names than the tests' leads.
func seedPhoneCustomers(fake *mykaarmatest.Server, dept, phone string, n int) {
	for i := range n {
		c := mykaarma.Customer{
			FirstName:    "Pat",
			LastName:     fmt.Sprintf("Sharer%02d", i),
			PhoneNumbers: []mykaarma.Phone{{PhoneNumber: phone, Label: "mobile"}},
		}
		if i%2 == 1 {
			c.CustomerKey = fmt.Sprintf("DMS-1%02d", i) // some keyed, some not
		}
		fake.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: c})
	}
}

// leadRecord is a lead event for one customer, keyed by its customerKey.
func leadRecord(t *testing.T, id, dept, key, first, last, phone string) *kgo.Record {
	t.Helper()
	v, err := json.Marshal(map[string]any{
		"eventId": id, "eventType": "lead", "occurredAt": "2024-06-08T11:00:00Z",
		"departmentUuid": dept, "dealerUuid": "dealer-" + dept,
		"lead": map[string]any{
			"customer": map[string]any{
				"customerKey": key, "firstName": first, "lastName": last,
				"phoneNumbers": []any{map[string]any{"phoneNumber": phone, "label": "mobile"}},
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
		t.Fatal(err)
	}
	return &kgo.Record{Key: []byte(key), Value: v}
}

// processLead runs one lead through a worker with MYKAARMA_MAX_RESULTS=25 and returns its result.
func processLead(t *testing.T, fake *mykaarmatest.Server, rec *kgo.Record, id string) schemas.Result {
	t.Helper()
	b := newBroker(t)
	tp := newTopics(t, b, 1)
	out := collectRaw(t, b, tp.Result, tp.DLQ)
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{"MYKAARMA_MAX_RESULTS": itoa(dirtyMaxResults)}))
	rec.Topic = tp.Input
	produceRecords(t, b, []*kgo.Record{rec})
	err := testkit.Until(t, 60*time.Second, func() error {
		if w.exited() {
			return testkit.Stop(fmt.Errorf("worker exited: %s", w.exitStatus()))
		}
		if d := out.records(tp.DLQ); len(d) > 0 {
			return testkit.Stop(fmt.Errorf("lead dead-lettered: %s: %s", headerValue(d[0], "error.class"), headerValue(d[0], "error.message")))
		}
		return resultsFor([]string{id})(out.records(tp.Result))
	})
	if err != nil {
		t.Fatal(err)
	}
	return decodeResults(t, out.records(tp.Result))[id]
}

func customersWithKey(cs []mykaarma.CustomerWithVehicles, key string) []mykaarma.CustomerWithVehicles {
	var out []mykaarma.CustomerWithVehicles
	for _, c := range cs {
		if c.Customer.CustomerKey == key {
			out = append(out, c)
		}
	}
	return out
}

// TestDirtyDataKeyMatchBehindFullPage: 30 older customers share phone 555-123-0028; keyed
// customer DMS-280 has another phone. A lead for DMS-280 giving the shared phone searches
// "DMS-280 5551230028", whose page of 25 is filled by the older customers and hides DMS-280.
// The worker must still find DMS-280 (rule customerKey) and update it, not create a second one.
func TestDirtyDataKeyMatchBehindFullPage(t *testing.T) {
	dept := "dept-" + suffix(t)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	seedPhoneCustomers(fake, dept, "+15551230028", 30)
	keyed := fake.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{
		CustomerKey: "DMS-280", FirstName: "Dana", LastName: "Keyes",
		PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+15559870280", Label: "home"}},
	}})
	id := "lead-dms-280-" + suffix(t)

	r := processLead(t, fake, leadRecord(t, id, dept, "DMS-280", "Dana", "Keyes", "5551230028"), id)

	if r.MatchRule != schemas.RuleCustomerKey || r.CustomerUUID != keyed || r.CustomerAction != "updated" {
		t.Errorf("result = rule %q, customer %s, action %q; want rule customerKey, customer %s (DMS-280), updated; warnings %+v",
			r.MatchRule, r.CustomerUUID, r.CustomerAction, keyed, r.Warnings)
	}
	full := false
	for _, w := range r.Warnings {
		full = full || w.Code == "full-page"
	}
	if !full {
		t.Errorf("warnings %+v; want full-page: the combined search must have hit the page limit, or this test proves nothing", r.Warnings)
	}
	cs := fake.Customers(dept)
	if n := len(customersWithKey(cs, "DMS-280")); n != 1 {
		t.Errorf("%d customers with key DMS-280; want 1", n)
	}
	if len(cs) != 31 {
		t.Errorf("%d customers in the department; want the 31 seeded, none created", len(cs))
	}
	t.Logf("result: rule=%s action=%s warnings=%d", r.MatchRule, r.CustomerAction, len(r.Warnings))
}

// TestDirtyDataPlaceholderPhoneNotMerged: 31 customers carry the placeholder 555-555-5555,
// among them the null-key "Adam Smithson". A lead for "Eve Smithson" (DMS-290) giving that phone
// shares last name and phone with Adam, which rule lastName+contact would merge; the
// placeholder must not count as a shared contact: Eve is created, Adam is left alone, and the
// result carries an ignored-contact (or shared-contact) warning saying why.
func TestDirtyDataPlaceholderPhoneNotMerged(t *testing.T) {
	dept := "dept-" + suffix(t)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	adam := fake.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{
		FirstName: "Adam", LastName: "Smithson",
		PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+15555555555", Label: "mobile"}},
	}})
	seedPhoneCustomers(fake, dept, "+15555555555", 30)
	id := "lead-dms-290-" + suffix(t)

	r := processLead(t, fake, leadRecord(t, id, dept, "DMS-290", "Eve", "Smithson", "555-555-5555"), id)

	if r.CustomerUUID == adam || r.CustomerAction != "created" {
		t.Errorf("result = customer %s, action %q, rule %q; want a new customer (not Adam %s), created",
			r.CustomerUUID, r.CustomerAction, r.MatchRule, adam)
	}
	var codes []string
	warned := false
	for _, w := range r.Warnings {
		codes = append(codes, w.Code)
		warned = warned || w.Code == "ignored-contact" || w.Code == "shared-contact"
	}
	if !warned {
		t.Errorf("warnings %v; want ignored-contact or shared-contact", codes)
	}
	eve := customersWithKey(fake.Customers(dept), "DMS-290")
	if len(eve) != 1 || eve[0].Customer.FirstName != "Eve" || eve[0].Customer.UUID != r.CustomerUUID {
		t.Errorf("customers with key DMS-290: %+v; want one, Eve, %s", eve, r.CustomerUUID)
	}
	if a, ok := fake.Customer(dept, adam); !ok || a.Customer.FirstName != "Adam" || a.Customer.CustomerKey != "" {
		t.Errorf("Adam Smithson after the lead: %+v (found %v); want unchanged (Adam, no key)", a.Customer, ok)
	}
	if n := len(fake.Customers(dept)); n != 32 {
		t.Errorf("%d customers; want 32 (31 seeded + Eve)", n)
	}
	t.Logf("result: rule=%s action=%s warnings=%v", r.MatchRule, r.CustomerAction, codes)
}
