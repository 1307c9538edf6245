package handlers

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/schemas"
)

// longKey is a 38-character customerKey (the schema allows 100); its first 30 characters
// are all a search can carry.
const longKey = "DMS-ACME-MOTORS-EAST-000000000000-0042"

// Two customer events with one long key and a placeholder phone (never searched) make one
// customer: the second finds the first by the key's first 30 characters.
func TestLongKeyTwoEventsOneCustomer(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	for i := range 2 {
		out, err := f.h.Handle(t.Context(), customerEvent(schemas.Customer{CustomerKey: longKey, FirstName: "Eve", LastName: "Smithson",
			PhoneNumbers: []schemas.Phone{{PhoneNumber: "555-555-5555"}}}))
		if err != nil {
			t.Fatalf("event %d: Handle: %v", i+1, err)
		}
		want := []string{schemas.ActionCreated, schemas.ActionUpdated}[i]
		if out.CustomerAction != want {
			t.Errorf("event %d: Handle = %+v; want %s", i+1, out, want)
		}
	}
	if n := withKey(f.srv.Customers(dept), longKey); n != 1 {
		t.Errorf("fake holds %d customers with the key; want 1", n)
	}
	for _, s := range f.searchRequests() {
		if s != all+"|"+longKey[:30] {
			t.Errorf("search %q; want the key's first 30 characters", s)
		}
	}
}

// Rule 1 compares the whole key: customers whose keys begin like the event's are found by
// the cut search but never matched. A page full of them is searched past with the key alone
// (which looks no further), then reported, not refused.
func TestLongKeyRuleOneComparesWholeKey(t *testing.T) {
	t.Parallel()
	twin := func(i int) string { return fmt.Sprintf("%s%08d", longKey[:30], i) } // same first 30, 38 characters
	const phone = "+17349130280"
	tests := []struct {
		name      string
		twins     int    // stored customers whose keys begin like longKey's, oldest first
		stored    string // the key of a customer stored after them, "" for none
		phone     bool   // the stored customer and the event share a phone
		eventKey  string
		wantRule  string
		wantMatch bool // the stored customer is updated; else a customer is created
		pageFull  bool // long-key-page-full warning
		searches  []string
	}{
		{name: "same key", stored: longKey, eventKey: longKey,
			wantRule: schemas.RuleCustomerKey, wantMatch: true, searches: []string{all + "|" + longKey[:30]}},
		{name: "same key other case", stored: strings.ToLower(longKey), eventKey: longKey,
			wantRule: schemas.RuleCustomerKey, wantMatch: true, searches: []string{all + "|" + longKey[:30]}},
		{name: "keys differing after 30 characters", twins: 3, eventKey: longKey,
			wantRule: schemas.RuleNone, searches: []string{all + "|" + longKey[:30]}},
		{name: "the key's first 30 characters as a key of its own", stored: longKey[:30], eventKey: longKey,
			wantRule: schemas.RuleNone, searches: []string{all + "|" + longKey[:30]}},
		{name: "a long key is not the key of its first 30 characters", stored: longKey, eventKey: longKey[:30],
			wantRule: schemas.RuleNone, searches: []string{all + "|" + longKey[:30]}},
		{name: "full page of twins, a new key", twins: DefaultMaxResults, eventKey: longKey,
			wantRule: schemas.RuleNone, pageFull: true,
			searches: []string{all + "|" + longKey[:30], byKey + "|" + longKey[:30]}},
		{name: "full page of twins, the customer found by its phone", twins: DefaultMaxResults + 5, stored: longKey, phone: true, eventKey: longKey,
			wantRule: schemas.RuleCustomerKey, wantMatch: true,
			searches: []string{all + "|" + longKey[:30], all + "|" + phone[2:]}},
		{name: "full page of twins hides the customer", twins: DefaultMaxResults, stored: longKey, eventKey: longKey,
			wantRule: schemas.RuleNone, pageFull: true, // the documented limit: a duplicate, reported
			searches: []string{all + "|" + longKey[:30], byKey + "|" + longKey[:30]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, 0, RetryOptions{})
			for i := range tt.twins {
				f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{CustomerKey: twin(i), LastName: "Twin"}})
			}
			var stored string
			var phones []schemas.Phone
			if tt.stored != "" {
				c := mykaarma.Customer{CustomerKey: tt.stored, LastName: "Smithson"}
				if tt.phone {
					c.PhoneNumbers = []mykaarma.Phone{{PhoneNumber: phone, Label: "home"}}
					phones = []schemas.Phone{{PhoneNumber: phone}}
				}
				stored = f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: c})
			}
			out, err := f.h.Handle(t.Context(), customerEvent(schemas.Customer{CustomerKey: tt.eventKey, LastName: "Smithson", PhoneNumbers: phones}))
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if got := f.searchRequests(); !slices.Equal(got, tt.searches) {
				t.Errorf("searches = %q; want %q", got, tt.searches)
			}
			if out.MatchRule != tt.wantRule || (out.CustomerUUID == stored) != tt.wantMatch {
				t.Errorf("Handle = %+v; want rule %s, update of %s %v", out, tt.wantRule, stored, tt.wantMatch)
			}
			if !tt.wantMatch && out.CustomerAction != schemas.ActionCreated {
				t.Errorf("Handle = %+v; want a new customer", out)
			}
			if got := hasWarning(out, SourceLeadworker, WarnLongKeyPageFull); got != tt.pageFull {
				t.Errorf("warnings = %+v; want %s %v", out.Warnings, WarnLongKeyPageFull, tt.pageFull)
			}
		})
	}
}

// A create of unknown outcome for a customer known only by a long key is retried: the
// next search finds the created customer by the key's first 30 characters.
func TestLongKeyCreateDroppedAfterApply(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	f.srv.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpCreate, DropAfterApply: true, Times: 1})
	out, err := f.h.Handle(t.Context(), customerEvent(schemas.Customer{CustomerKey: longKey, FirstName: "Eve",
		PhoneNumbers: []schemas.Phone{{PhoneNumber: "555-555-5555"}}}))
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if n := len(f.srv.Customers(dept)); n != 1 {
		t.Errorf("fake holds %d customers; want 1", n)
	}
	if out.CustomerAction != schemas.ActionCreated || out.MatchRule != schemas.RuleCustomerKey || out.Attempts != 2 ||
		!hasWarning(out, SourceLeadworker, WarnCreateOutcomeRecovered) {
		t.Errorf("Handle = %+v; want created, found again by %s on attempt 2, %s", out, schemas.RuleCustomerKey, WarnCreateOutcomeRecovered)
	}
}
