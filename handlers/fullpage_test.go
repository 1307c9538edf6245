package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/schemas"
)

// orders runs a test against a fake answering oldest first (as the live API is assumed
// to) and newest first: the outcome must not depend on the order of a page.
var orders = []struct {
	name string
	opts mykaarmatest.Options
}{
	{"oldest first", mykaarmatest.Options{}},
	{"newest first", mykaarmatest.Options{NewestFirst: true}},
}

// searchRequests lists the fake's searches as "fields|term".
func (f *fixture) searchRequests() []string {
	var out []string
	for _, r := range f.srv.Requests() {
		if r.Op == mykaarmatest.OpSearch {
			out = append(out, r.Query.Get("fieldsToBeSearched")+"|"+r.Query.Get("searchTerm"))
		}
	}
	return out
}

// addSharing stores n customers that share phone (E.164), alternately keyed and keyless,
// none with the last names the tests' events use.
func (f *fixture) addSharing(n int, phone string) {
	for i := range n {
		c := mykaarma.Customer{FirstName: "Fleet", LastName: fmt.Sprintf("Driver%02d", i),
			PhoneNumbers: []mykaarma.Phone{{PhoneNumber: phone, Label: "work"}}}
		if i%2 == 0 {
			c.CustomerKey = fmt.Sprintf("FLEET-%02d", i)
		}
		f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: c})
	}
}

func withKey(cs []mykaarma.CustomerWithVehicles, key string) int {
	n := 0
	for _, c := range cs {
		if strings.EqualFold(c.Customer.CustomerKey, key) {
			n++
		}
	}
	return n
}

const (
	all    = "vehicles.vin,communications.commValue,customerKey"
	byKey  = "customerKey"
	byComm = "communications.commValue"
	byVIN  = "vehicles.vin"
)

// 30 older customers share a phone; the keyed customer has another phone. The combined
// search fills its page with the sharers, so rule 1 needs the key searched on its own.
func TestFullPageKeyedCustomerBeyondPage(t *testing.T) {
	t.Parallel()
	for _, o := range orders {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			f := setupWith(t, o.opts, 0, Options{})
			f.addSharing(30, "+15551230028")
			keyed := f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{
				CustomerKey: "DMS-280", FirstName: "John", LastName: "Doe",
				PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+17349130280", Label: "home"}}}})
			ev := leadEvent()
			ev.Lead.Vehicle = nil
			ev.Lead.LeadType = "SERVICE_DEMAND"
			ev.Lead.Customer = schemas.Customer{CustomerKey: "DMS-280", FirstName: "John", LastName: "Doe",
				PhoneNumbers: []schemas.Phone{{PhoneNumber: "555-123-0028"}}}

			out, err := f.h.Handle(t.Context(), ev)
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if out.CustomerUUID != keyed || out.MatchRule != schemas.RuleCustomerKey || out.CustomerAction != schemas.ActionUpdated {
				t.Errorf("Handle = %+v; want update of %s by %s", out, keyed, schemas.RuleCustomerKey)
			}
			if n := withKey(f.srv.Customers(dept), "DMS-280"); n != 1 {
				t.Errorf("fake holds %d customers with key DMS-280; want 1", n)
			}
			want := []string{all + "|DMS-280 5551230028", byKey + "|DMS-280"}
			if o.opts.NewestFirst {
				want = want[:1] // the keyed customer is on the first page: nothing more to search
			}
			if got := f.searchRequests(); !slices.Equal(got, want) {
				t.Errorf("searches = %q; want %q", got, want)
			}
			if !o.opts.NewestFirst && !hasWarning(out, SourceLeadworker, WarnFullPage) {
				t.Errorf("warnings = %+v; want %s", out.Warnings, WarnFullPage)
			}
		})
	}
}

// 31 customers carry the dealership's number, among them the keyless Adam Smithson. A new
// Eve Smithson with that number is not merged into Adam: the number is shared.
func TestFullPageSharedContactNotUsed(t *testing.T) {
	t.Parallel()
	for _, o := range orders {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			f := setupWith(t, o.opts, 0, Options{})
			f.addSharing(2, "+13138840000")
			adam := f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{
				FirstName: "Adam", LastName: "Smithson", PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+13138840000", Label: "work"}}}})
			f.addSharing(28, "+13138840000")

			out, err := f.h.Handle(t.Context(), customerEvent(schemas.Customer{CustomerKey: "DMS-290", FirstName: "Eve", LastName: "Smithson",
				PhoneNumbers: []schemas.Phone{{PhoneNumber: "313-884-0000"}}}))
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if out.CustomerAction != schemas.ActionCreated || out.MatchRule != schemas.RuleNone || out.CustomerUUID == adam {
				t.Errorf("Handle = %+v; want a new customer", out)
			}
			for _, code := range []string{WarnFullPage, WarnSharedContact} {
				if !hasWarning(out, SourceLeadworker, code) {
					t.Errorf("warnings = %+v; want %s", out.Warnings, code)
				}
			}
			if c, _ := f.srv.Customer(dept, adam); c.Customer.FirstName != "Adam" || c.Customer.CustomerKey != "" {
				t.Errorf("Adam was changed: %+v", c.Customer)
			}
			want := []string{all + "|DMS-290 3138840000", byKey + "|DMS-290", byComm + "|3138840000"}
			if got := f.searchRequests(); !slices.Equal(got, want) {
				t.Errorf("searches = %q; want %q", got, want)
			}
		})
	}
}

// A full page, a key nobody has and a shared phone: the customer is created, once.
func TestFullPageKeyNotFoundCreatesOnce(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	f.addSharing(30, "+13138840000")
	out, err := f.h.Handle(t.Context(), customerEvent(schemas.Customer{CustomerKey: "DMS-300", LastName: "Driver01",
		PhoneNumbers: []schemas.Phone{{PhoneNumber: "3138840000"}}}))
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if out.CustomerAction != schemas.ActionCreated || out.MatchRule != schemas.RuleNone {
		t.Errorf("Handle = %+v; want created by no rule", out)
	}
	if n := f.count(mykaarmatest.OpCreate); n != 1 {
		t.Errorf("create requests = %d; want 1", n)
	}
	if n := len(f.srv.Customers(dept)); n != 31 {
		t.Errorf("fake holds %d customers; want 31", n)
	}
}

// fullKeyPages answers a customerKey search as an API matching keys by prefix might: a full
// page of customers whose keys only start with the term.
type fullKeyPages struct{ API }

func (a fullKeyPages) SearchCustomersIn(ctx context.Context, dept, term string, max int, fields ...string) (*mykaarma.SearchResult, error) {
	if !slices.Equal(fields, []string{mykaarma.FieldCustomerKey}) {
		return a.API.SearchCustomersIn(ctx, dept, term, max, fields...)
	}
	res := &mykaarma.SearchResult{}
	for i := range max {
		res.Customers = append(res.Customers, mykaarma.MinimalCustomer{UUID: fmt.Sprintf("prefix-%d", i), CustomerKey: key(fmt.Sprintf("%s-%d", term, i))})
	}
	return res, nil
}

func TestFullKeyPageRejected(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	f.h.api = fullKeyPages{f.h.api}
	f.addSharing(30, "+13138840000")
	_, err := f.h.Handle(t.Context(), customerEvent(schemas.Customer{CustomerKey: "DMS-310", LastName: "Driver01",
		PhoneNumbers: []schemas.Phone{{PhoneNumber: "3138840000"}}}))
	var se *StepError
	if !errors.As(err, &se) || se.Step != StepSearch || se.Attempts != 1 {
		t.Fatalf("Handle error = %v; want a search StepError after 1 attempt", err)
	}
	if !errors.Is(err, ErrKeyPageFull) || !errors.Is(err, mykaarma.ErrRejected) || errors.Is(err, ErrExhausted) {
		t.Errorf("Handle error = %v; want ErrKeyPageFull and mykaarma.ErrRejected, not ErrExhausted (dead-lettered as rejected)", err)
	}
	if n := f.count(mykaarmatest.OpCreate) + f.count(mykaarmatest.OpUpdate); n != 0 {
		t.Errorf("writes = %d; want none", n)
	}
}

// A VIN on 30 earlier owners (a loaner, a fleet car) fills a page on its own: it is not used
// to match, and the customer is found by what else the event has.
func TestFullPageOnVIN(t *testing.T) {
	t.Parallel()
	const loaner = "1HGCV1F34LA012345"
	seedOwners := func(f *fixture) {
		for i := range 30 {
			c := mykaarma.Customer{FirstName: "Owner", LastName: fmt.Sprintf("Prev%02d", i)}
			if i == 3 {
				c.LastName = "Roe" // a keyless earlier driver who shares the next lead's last name
			}
			f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: c, Vehicles: []mykaarma.Vehicle{{VIN: loaner}}})
		}
	}
	t.Run("found by phone", func(t *testing.T) {
		t.Parallel()
		for _, o := range orders {
			f := setupWith(t, o.opts, 0, Options{})
			seedOwners(f)
			doe := f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{
				Customer: mykaarma.Customer{FirstName: "John", LastName: "Doe", PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+17349130001", Label: "mobile"}}},
				Vehicles: []mykaarma.Vehicle{{VIN: loaner}}})
			out, err := f.h.Handle(t.Context(), customerEvent(schemas.Customer{FirstName: "John", LastName: "Doe",
				PhoneNumbers: []schemas.Phone{{PhoneNumber: "734-913-0001"}}}, schemas.Vehicle{VIN: loaner}))
			if err != nil {
				t.Fatalf("%s: Handle: %v", o.name, err)
			}
			if out.CustomerUUID != doe || out.MatchRule != schemas.RuleLastNameContact {
				t.Errorf("%s: Handle = %+v; want %s by %s", o.name, out, doe, schemas.RuleLastNameContact)
			}
			if !hasWarning(out, SourceLeadworker, WarnSharedVIN) {
				t.Errorf("%s: warnings = %+v; want %s", o.name, out.Warnings, WarnSharedVIN)
			}
			want := []string{all + "|LA012345 7349130001", byVIN + "|LA012345", byComm + "|7349130001"}
			if got := f.searchRequests(); !slices.Equal(got, want) {
				t.Errorf("%s: searches = %q; want %q", o.name, got, want)
			}
		}
	})
	t.Run("not matched by last name and a shared VIN", func(t *testing.T) {
		t.Parallel()
		f := setup(t, 0, RetryOptions{})
		seedOwners(f)
		out, err := f.h.Handle(t.Context(), customerEvent(schemas.Customer{FirstName: "Rita", LastName: "Roe"}, schemas.Vehicle{VIN: loaner}))
		if err != nil {
			t.Fatalf("Handle: %v", err)
		}
		if out.CustomerAction != schemas.ActionCreated || !hasWarning(out, SourceLeadworker, WarnSharedVIN) {
			t.Errorf("Handle = %+v; want created with %s", out, WarnSharedVIN)
		}
		// The one-token term was already the VIN's own search: no second search.
		if got := f.searchRequests(); !slices.Equal(got, []string{all + "|LA012345"}) {
			t.Errorf("searches = %q; want the combined search only", got)
		}
	})
}

// When every phone is shared, the emails are searched, as the decision tree does for a
// customer without a phone.
func TestFullPageSharedPhoneFallsBackToEmail(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	f.addSharing(30, "+13138840000")
	doe := f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{LastName: "Doe",
		Emails: []mykaarma.Email{{EmailAddress: "jd@x.com", Label: "personal"}}}})
	out, err := f.h.Handle(t.Context(), customerEvent(schemas.Customer{CustomerKey: "DMS-320", LastName: "Doe",
		PhoneNumbers: []schemas.Phone{{PhoneNumber: "3138840000"}}, Emails: []schemas.Email{{EmailAddress: "JD@x.com"}}}))
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if out.CustomerUUID != doe || out.MatchRule != schemas.RuleLastNameContact {
		t.Errorf("Handle = %+v; want %s by %s", out, doe, schemas.RuleLastNameContact)
	}
	want := []string{all + "|DMS-320 3138840000", byKey + "|DMS-320", byComm + "|3138840000", byComm + "|jd@x.com"}
	if got := f.searchRequests(); !slices.Equal(got, want) {
		t.Errorf("searches = %q; want %q", got, want)
	}
}

// On clean data (no page is full) the flow makes exactly the calls it always made.
func TestCleanDataCallCount(t *testing.T) {
	t.Parallel()
	f := setupWith(t, mykaarmatest.Options{}, 0, Options{RequireFirstName: true, IgnoreContacts: []string{"3138840000"}})
	f.addSharing(3, "+13138840000")
	id := f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{LastName: "Doe",
		PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006", Label: "mobile"}}}})
	out, err := f.h.Handle(t.Context(), leadEvent())
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if out.CustomerUUID != id {
		t.Errorf("Handle = %+v; want %s", out, id)
	}
	var ops []string
	for _, r := range f.srv.Requests() {
		ops = append(ops, r.Op)
	}
	if want := []string{mykaarmatest.OpSearch, mykaarmatest.OpRead, mykaarmatest.OpUpdate, mykaarmatest.OpLead}; !slices.Equal(ops, want) {
		t.Errorf("requests = %q; want %q", ops, want)
	}
	if got := f.searchRequests(); !slices.Equal(got, []string{all + "|DOM123 6C650709 9891361006"}) {
		t.Errorf("searches = %q; want the one combined search", got)
	}
	for _, w := range out.Warnings {
		if w.Source == SourceLeadworker {
			t.Errorf("unexpected warning %+v on clean data", w)
		}
	}
}
