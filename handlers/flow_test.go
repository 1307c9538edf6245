package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/schemas"
)

const (
	dept   = "dept-1"
	dealer = "dealer-1"
	vinA   = "1FTFW1E50PFA6C650709"
)

// fixture is a Handler wired to a fresh fake through the real client, with a fake clock:
// sleep records each wait and moves the clock on instead of sleeping.
type fixture struct {
	srv *mykaarmatest.Server
	h   *Handler

	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func setup(t *testing.T, clientTimeout time.Duration, retry RetryOptions) *fixture {
	t.Helper()
	return setupWith(t, mykaarmatest.Options{}, clientTimeout, Options{Retry: retry})
}

// setupWith is setup with the fake's and the Handler's options; opts.API is set here.
func setupWith(t *testing.T, fake mykaarmatest.Options, clientTimeout time.Duration, opts Options) *fixture {
	t.Helper()
	srv := mykaarmatest.NewServer(t, fake)
	c, err := mykaarma.New(srv.URL, mykaarma.Options{
		Username: mykaarmatest.DefaultUsername, Password: mykaarmatest.DefaultPassword, Timeout: clientTimeout})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Retry == (RetryOptions{}) {
		opts.Retry = RetryOptions{InitialInterval: time.Millisecond, MaxInterval: 4 * time.Millisecond, MaxElapsed: time.Minute}
	}
	if opts.API == nil {
		opts.API = c
	}
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{srv: srv, h: h, now: time.Date(2024, 6, 8, 11, 0, 0, 0, time.UTC)}
	h.now = func() time.Time {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.now
	}
	h.sleep = func(ctx context.Context, d time.Duration) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.waits = append(f.waits, d)
		f.now = f.now.Add(d)
		return ctx.Err()
	}
	return f
}

func (f *fixture) recordedWaits() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.waits...)
}

// count counts the fake's requests for op.
func (f *fixture) count(op string) int {
	n := 0
	for _, r := range f.srv.Requests() {
		if r.Op == op {
			n++
		}
	}
	return n
}

func leadEvent() *schemas.Event {
	return &schemas.Event{
		EventID: "ev-1", EventType: schemas.TypeLead, DepartmentUUID: dept, DealerUUID: dealer,
		Lead: &schemas.Lead{
			Customer: schemas.Customer{
				CustomerKey: "DOM123", FirstName: "John", LastName: "Doe",
				PhoneNumbers: []schemas.Phone{{PhoneNumber: "(989) 136-1006"}},
				Emails:       []schemas.Email{{EmailAddress: "John.Doe@Gmail.com"}},
			},
			Vehicle:         &schemas.Vehicle{VIN: strings.ToLower(vinA), VehicleMake: "Ford"},
			DealerDetails:   schemas.DealerDetails{Name: "Test Imports LLC", Source: "MMC"},
			Services:        []schemas.Service{{Name: "Service A", Code: "SVC-A"}},
			Status:          "NEW",
			LastContactDate: "2024-06-08 11:00:00Z",
			LeadID:          "US000000111199002",
			LeadType:        "RECALL",
		},
	}
}

func customerEvent(c schemas.Customer, vs ...schemas.Vehicle) *schemas.Event {
	return &schemas.Event{EventID: "ev-2", EventType: schemas.TypeCustomer, DepartmentUUID: dept, Customer: &c, Vehicles: vs}
}

func doe() schemas.Customer {
	return schemas.Customer{
		CustomerKey: "DOM123", FirstName: "John", LastName: "Doe",
		PhoneNumbers: []schemas.Phone{{PhoneNumber: "989-136-1006"}, {PhoneNumber: "12"}},
		Emails:       []schemas.Email{{EmailAddress: "john.doe@gmail.com"}},
	}
}

func TestHandleCreatesNewCustomer(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	out, err := f.h.Handle(t.Context(), customerEvent(doe(), schemas.Vehicle{VIN: vinA}))
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if out.Outcome != schemas.OutcomeSaved || out.CustomerAction != schemas.ActionCreated ||
		out.MatchRule != schemas.RuleNone || out.Attempts != 1 || out.CustomerUUID == "" {
		t.Errorf("Handle = %+v; want SAVED, created, none, 1 attempt", out)
	}
	if !hasWarning(out, SourceLeadworker, WarnInvalidPhone) {
		t.Errorf("warnings = %+v; want invalid-phone", out.Warnings)
	}
	cs := f.srv.Customers(dept)
	if len(cs) != 1 {
		t.Fatalf("fake holds %d customers; want 1", len(cs))
	}
	c := cs[0]
	if c.Customer.UUID != out.CustomerUUID || len(c.Customer.PhoneNumbers) != 1 ||
		c.Customer.PhoneNumbers[0].PhoneNumber != "+19891361006" || c.Customer.PhoneNumbers[0].Label != "mobile" ||
		len(c.Customer.Emails) != 1 || c.Customer.Emails[0].Label != "personal" ||
		len(c.Vehicles) != 1 || c.Vehicles[0].VIN != vinA {
		t.Errorf("stored customer = %+v", c)
	}
}

func TestHandleRules(t *testing.T) {
	t.Parallel()
	stored := func(k, first, last, phone, vin string) mykaarma.CustomerWithVehicles {
		c := mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{CustomerKey: k, FirstName: first, LastName: last}}
		if phone != "" {
			c.Customer.PhoneNumbers = []mykaarma.Phone{{PhoneNumber: phone, Label: "work"}}
		}
		if vin != "" {
			c.Vehicles = []mykaarma.Vehicle{{VIN: vin}}
		}
		return c
	}
	tests := []struct {
		name       string
		seed       mykaarma.CustomerWithVehicles
		wantRule   string
		wantAction string
	}{
		{"customerKey ignoring case", stored("dom123", "Jim", "Other", "", ""), schemas.RuleCustomerKey, schemas.ActionUpdated},
		{"last name and phone", stored("", "", "DOE", "+19891361006", ""), schemas.RuleLastNameContact, schemas.ActionUpdated},
		{"last name and vin", stored("", "", "Doe", "", vinA), schemas.RuleLastNameVIN, schemas.ActionUpdated},
		{"other last name", stored("", "John", "Smith", "+19891361006", vinA), schemas.RuleNone, schemas.ActionCreated},
		{"different key never chosen", stored("XYZ9", "John", "Doe", "+19891361006", vinA), schemas.RuleNone, schemas.ActionCreated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, 0, RetryOptions{})
			id := f.srv.AddCustomer(dept, tt.seed)
			out, err := f.h.Handle(t.Context(), customerEvent(doe(), schemas.Vehicle{VIN: vinA}))
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if out.MatchRule != tt.wantRule || out.CustomerAction != tt.wantAction {
				t.Errorf("Handle = rule %q action %q; want %q %q", out.MatchRule, out.CustomerAction, tt.wantRule, tt.wantAction)
			}
			wantCount := 1
			if tt.wantAction == schemas.ActionCreated {
				wantCount = 2
			} else if out.CustomerUUID != id {
				t.Errorf("CustomerUUID = %q; want %q", out.CustomerUUID, id)
			}
			if n := len(f.srv.Customers(dept)); n != wantCount {
				t.Errorf("fake holds %d customers; want %d", n, wantCount)
			}
		})
	}
}

func TestHandleTieWarns(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	phone := []mykaarma.Phone{{PhoneNumber: "+19891361006", Label: "mobile"}}
	f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{FirstName: "Jane", LastName: "Doe", PhoneNumbers: phone}})
	john := f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{FirstName: "JOHN", LastName: "Doe", PhoneNumbers: phone}})
	out, err := f.h.Handle(t.Context(), customerEvent(doe()))
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if out.CustomerUUID != john || out.MatchRule != schemas.RuleLastNameContact {
		t.Errorf("Handle = %+v; want %s by %s", out, john, schemas.RuleLastNameContact)
	}
	if !hasWarning(out, SourceLeadworker, WarnAmbiguousMatch) {
		t.Errorf("warnings = %+v; want ambiguous-match", out.Warnings)
	}
}

func TestHandleUpdateKeepsContacts(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	id := f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{
		CustomerKey: "DOM123", LastName: "Doe",
		PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+11112223333", Label: "work"}, {PhoneNumber: "+14445556666", Label: "home"}},
		Emails:       []mykaarma.Email{{EmailAddress: "old@x.com", Label: "work"}},
	}})
	events := []*schemas.Event{
		customerEvent(schemas.Customer{CustomerKey: "DOM123", PhoneNumbers: []schemas.Phone{{PhoneNumber: "9891361006"}}}),
		customerEvent(schemas.Customer{CustomerKey: "dom123", FirstName: "John"}), // no phones or emails at all
	}
	for _, ev := range events {
		out, err := f.h.Handle(t.Context(), ev)
		if err != nil {
			t.Fatalf("Handle: %v", err)
		}
		if out.CustomerUUID != id || out.CustomerAction != schemas.ActionUpdated {
			t.Errorf("Handle = %+v; want update of %s", out, id)
		}
		for _, w := range out.Warnings {
			if w.Source == SourceCustomerAPI {
				t.Errorf("unexpected myKaarma warning %+v", w)
			}
		}
	}
	c, _ := f.srv.Customer(dept, id)
	got := map[string]string{}
	for _, p := range c.Customer.PhoneNumbers {
		got[p.PhoneNumber] = p.Label
	}
	want := map[string]string{"+11112223333": "work", "+14445556666": "home", "+19891361006": "mobile"}
	if len(got) != len(want) || got["+11112223333"] != "work" || got["+14445556666"] != "home" || got["+19891361006"] != "mobile" {
		t.Errorf("stored phones = %v; want %v", got, want)
	}
	if len(c.Customer.Emails) != 1 || c.Customer.Emails[0].EmailAddress != "old@x.com" || c.Customer.Emails[0].Label != "work" {
		t.Errorf("stored emails = %+v; want old@x.com (work)", c.Customer.Emails)
	}
	if c.Customer.FirstName != "John" {
		t.Errorf("stored first name = %q; want John", c.Customer.FirstName)
	}
}

func TestHandleLeadQueued(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	id := f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{
		Customer: mykaarma.Customer{LastName: "Doe", PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006", Label: "mobile"}}},
		Vehicles: []mykaarma.Vehicle{{UUID: "veh-1", VIN: vinA}},
	})
	out, err := f.h.Handle(t.Context(), leadEvent())
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if out.Outcome != schemas.OutcomeQueued || out.CustomerUUID != id || out.CustomerAction != schemas.ActionUpdated ||
		out.MatchRule != schemas.RuleLastNameContact || out.RequestID == "" || out.LeadID != "US000000111199002" {
		t.Errorf("Handle = %+v", out)
	}
	leads := f.srv.Leads(dealer)
	if len(leads) != 1 {
		t.Fatalf("fake holds %d leads; want 1", len(leads))
	}
	l := leads[0]
	if l.Customer.UUID != id || l.Vehicle == nil || l.Vehicle.UUID != "veh-1" || l.Vehicle.VIN != vinA {
		t.Errorf("saved lead customer.uuid %q vehicle %+v; want %s and veh-1", l.Customer.UUID, l.Vehicle, id)
	}
	if len(l.Customer.PhoneNumbers) != 1 || l.Customer.PhoneNumbers[0].PhoneNumber != "+19891361006" || l.Customer.PhoneNumbers[0].Label == "" {
		t.Errorf("saved lead phones = %+v; want +19891361006 with a label", l.Customer.PhoneNumbers)
	}
	if n := len(f.srv.Customers(dept)); n != 1 {
		t.Errorf("fake holds %d customers; want 1", n)
	}
}

func TestHandleLeadUnprocessed(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	ev := leadEvent()
	ev.Lead.Vehicle = nil // a RECALL lead without a VIN is UNPROCESSED
	out, err := f.h.Handle(t.Context(), ev)
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if out.Outcome != schemas.OutcomeUnprocessed || out.CustomerAction != schemas.ActionCreated || out.Attempts != 1 {
		t.Errorf("Handle = %+v; want UNPROCESSED after a create, 1 attempt", out)
	}
	if !hasSource(out, SourceLeadAPI) {
		t.Errorf("warnings = %+v; want the lead's error as a %s warning", out.Warnings, SourceLeadAPI)
	}
}

func TestHandleRetriesTransient(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	f.srv.FailNext(mykaarmatest.OpSearch, 1, http.StatusServiceUnavailable)
	out, err := f.h.Handle(t.Context(), leadEvent())
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if out.Attempts != 2 || out.Outcome != schemas.OutcomeQueued {
		t.Errorf("Handle = %+v; want QUEUED after 2 attempts", out)
	}
	if w := f.recordedWaits(); len(w) != 1 {
		t.Errorf("waits = %v; want one", w)
	}
}

func TestHandleHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	f.srv.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpSearch, Status: http.StatusTooManyRequests, RetryAfter: "3", Times: 1})
	out, err := f.h.Handle(t.Context(), leadEvent())
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if w := f.recordedWaits(); len(w) != 1 || w[0] != 3*time.Second {
		t.Errorf("waits = %v; want [3s]", w)
	}
	if out.Attempts != 2 {
		t.Errorf("Attempts = %d; want 2", out.Attempts)
	}
}

func TestHandleRetryAfterBeyondBudget(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{InitialInterval: time.Millisecond, MaxElapsed: time.Second})
	f.srv.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpSearch, Status: http.StatusServiceUnavailable, RetryAfter: "60", Times: 1})
	_, err := f.h.Handle(t.Context(), leadEvent())
	if !errors.Is(err, ErrExhausted) {
		t.Fatalf("Handle error = %v; want ErrExhausted", err)
	}
	if w := f.recordedWaits(); len(w) != 0 {
		t.Errorf("waits = %v; want none (waiting would outlast the budget)", w)
	}
}

func TestHandleCreateDroppedAfterApply(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	f.srv.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpCreate, DropAfterApply: true, Times: 1})
	out, err := f.h.Handle(t.Context(), leadEvent())
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	cs := f.srv.Customers(dept)
	if len(cs) != 1 {
		t.Fatalf("fake holds %d customers; want exactly 1", len(cs))
	}
	if out.CustomerAction != schemas.ActionCreated || out.CustomerUUID != cs[0].Customer.UUID || out.Attempts != 2 ||
		out.Outcome != schemas.OutcomeQueued {
		t.Errorf("Handle = %+v; want created %s, QUEUED, 2 attempts", out, cs[0].Customer.UUID)
	}
	if !hasWarning(out, SourceLeadworker, WarnCreateOutcomeRecovered) {
		t.Errorf("warnings = %+v; want create-outcome-recovered", out.Warnings)
	}
	// The fake records a dropped request only after closing its connection, so the
	// request count may lag; the single stored customer shows create was not repeated.
}

func TestHandleCreateHangs(t *testing.T) {
	t.Parallel()
	// The timeout bounds every call, not just the hanging create: under -race on a busy
	// machine a shorter one lets an ordinary search time out and count as another attempt.
	f := setup(t, time.Second, RetryOptions{})
	f.srv.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpCreate, Hang: true, Times: 1})
	out, err := f.h.Handle(t.Context(), customerEvent(doe()))
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if n := len(f.srv.Customers(dept)); n != 1 {
		t.Errorf("fake holds %d customers; want 1", n)
	}
	if out.CustomerAction != schemas.ActionCreated || out.Attempts != 2 {
		t.Errorf("Handle = %+v; want created after 2 attempts", out)
	}
}

func TestHandleCreateUnknownWithoutIdentifier(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	f.srv.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpCreate, DropAfterApply: true, Times: 1})
	_, err := f.h.Handle(t.Context(), customerEvent(schemas.Customer{FirstName: "John", LastName: "Doe"}))
	var se *StepError
	if !errors.As(err, &se) || se.Step != StepCreate || se.Attempts != 1 || !errors.Is(err, ErrExhausted) {
		t.Fatalf("Handle error = %v; want create StepError with ErrExhausted after 1 attempt", err)
	}
	if !strings.Contains(err.Error(), "create outcome unknown and the customer has no searchable identifier") {
		t.Errorf("error %q does not explain itself", err)
	}
	if n := len(f.srv.Customers(dept)); n != 1 {
		t.Errorf("fake holds %d customers; want 1 (create not repeated)", n)
	}
}

func TestHandleCreatedThenLeadRetried(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	f.srv.FailNext(mykaarmatest.OpLead, 1, http.StatusBadGateway)
	ev := leadEvent()
	// No key and no last name: the decision tree cannot recognise the created customer,
	// so the retry must reuse the uuid it was given.
	ev.Lead.Customer = schemas.Customer{Company: "Acme", PhoneNumbers: []schemas.Phone{{PhoneNumber: "9891361006"}}}
	out, err := f.h.Handle(t.Context(), ev)
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if n := len(f.srv.Customers(dept)); n != 1 {
		t.Errorf("fake holds %d customers; want 1", n)
	}
	if out.CustomerAction != schemas.ActionCreated || out.Attempts != 2 || out.Outcome != schemas.OutcomeQueued {
		t.Errorf("Handle = %+v; want created, QUEUED, 2 attempts", out)
	}
}

func TestHandleRejectedNotRetried(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	f.srv.FailNext(mykaarmatest.OpCreate, 1, http.StatusBadRequest)
	_, err := f.h.Handle(t.Context(), customerEvent(doe()))
	var se *StepError
	if !errors.As(err, &se) || se.Step != StepCreate || se.Attempts != 1 || !errors.Is(err, mykaarma.ErrRejected) {
		t.Fatalf("Handle error = %v; want rejected create StepError after 1 attempt", err)
	}
	if errors.Is(err, ErrExhausted) {
		t.Error("a rejection must not be ErrExhausted")
	}
	if n := f.count(mykaarmatest.OpCreate); n != 1 {
		t.Errorf("create requests = %d; want 1", n)
	}
}

func TestHandleAuthNotRetried(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	f.srv.SetCredentials("someone", "else")
	_, err := f.h.Handle(t.Context(), leadEvent())
	var se *StepError
	if !errors.As(err, &se) || se.Step != StepSearch || se.Attempts != 1 || !errors.Is(err, mykaarma.ErrAuth) {
		t.Fatalf("Handle error = %v; want auth search StepError after 1 attempt", err)
	}
	if n := len(f.srv.Requests()); n != 1 {
		t.Errorf("requests = %d; want 1", n)
	}
}

func TestHandleExhausted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		retry RetryOptions
	}{
		{"max attempts", RetryOptions{InitialInterval: time.Millisecond, MaxAttempts: 3}},
		{"max elapsed", RetryOptions{InitialInterval: 10 * time.Millisecond, MaxInterval: 20 * time.Millisecond, MaxElapsed: 50 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, 0, tt.retry)
			f.srv.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpSearch, Status: http.StatusServiceUnavailable})
			_, err := f.h.Handle(t.Context(), leadEvent())
			var se *StepError
			var ae *mykaarma.Error
			if !errors.Is(err, ErrExhausted) || !errors.As(err, &se) || !errors.As(err, &ae) {
				t.Fatalf("Handle error = %v; want ErrExhausted, *StepError and *mykaarma.Error", err)
			}
			if ae.StatusCode != http.StatusServiceUnavailable || se.Step != StepSearch {
				t.Errorf("got step %q status %d; want search 503", se.Step, ae.StatusCode)
			}
			if n := f.count(mykaarmatest.OpSearch); n != se.Attempts || n < 2 {
				t.Errorf("search requests = %d, Attempts = %d; want equal and >= 2", n, se.Attempts)
			}
			if tt.retry.MaxAttempts > 0 && se.Attempts != tt.retry.MaxAttempts {
				t.Errorf("Attempts = %d; want %d", se.Attempts, tt.retry.MaxAttempts)
			}
		})
	}
}

func TestHandleCancelled(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	f.srv.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpSearch, Status: http.StatusServiceUnavailable})
	ctx, cancel := context.WithCancel(t.Context())
	f.h.sleep = func(ctx context.Context, _ time.Duration) error {
		cancel()
		return ctx.Err()
	}
	_, err := f.h.Handle(ctx, leadEvent())
	var se *StepError
	if !errors.Is(err, context.Canceled) || errors.As(err, &se) || errors.Is(err, ErrExhausted) {
		t.Fatalf("Handle error = %v; want context.Canceled and no StepError", err)
	}
}

func TestHandleSplitsLongSearch(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	other := "5YJ3E1EA7KF317000"
	id := f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{
		Customer: mykaarma.Customer{LastName: "Doe"},
		Vehicles: []mykaarma.Vehicle{{VIN: other}},
	})
	c := doe()
	c.PhoneNumbers = append(c.PhoneNumbers, schemas.Phone{PhoneNumber: "4445556666"})
	out, err := f.h.Handle(t.Context(), customerEvent(c, schemas.Vehicle{VIN: vinA}, schemas.Vehicle{VIN: other}))
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if out.CustomerUUID != id || out.MatchRule != schemas.RuleLastNameVIN {
		t.Errorf("Handle = %+v; want %s by %s", out, id, schemas.RuleLastNameVIN)
	}
	var terms []string
	for _, r := range f.srv.Requests() {
		if r.Op == mykaarmatest.OpSearch {
			terms = append(terms, r.Query.Get("searchTerm"))
		}
	}
	want := []string{"DOM123 6C650709 KF317000", "9891361006 4445556666"}
	if strings.Join(terms, "|") != strings.Join(want, "|") {
		t.Errorf("search terms = %q; want %q", terms, want)
	}
}

func TestHandleInvalidEvent(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	for _, ev := range []*schemas.Event{
		nil,
		{EventType: schemas.TypeLead, DepartmentUUID: dept, DealerUUID: dealer},
		{EventType: schemas.TypeLead, DepartmentUUID: dept, Lead: &schemas.Lead{}},
		{EventType: schemas.TypeCustomer, DepartmentUUID: dept},
		{EventType: schemas.TypeCustomer, Customer: &schemas.Customer{}},
		{EventType: "other", DepartmentUUID: dept},
	} {
		_, err := f.h.Handle(t.Context(), ev)
		var se *StepError
		if !errors.As(err, &se) || se.Step != StepEvent || !errors.Is(err, mykaarma.ErrRejected) {
			t.Errorf("Handle(%+v) error = %v; want a rejected event StepError", ev, err)
		}
	}
	if n := len(f.srv.Requests()); n != 0 {
		t.Errorf("requests = %d; want 0", n)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	api := &mykaarma.Client{}
	tests := []struct {
		name string
		opts Options
		ok   bool
	}{
		{"defaults", Options{API: api}, true},
		{"no api", Options{}, false},
		{"max results 100", Options{API: api, MaxResults: 100}, true},
		{"max results 101", Options{API: api, MaxResults: 101}, false},
		{"negative max results", Options{API: api, MaxResults: -1}, false},
		{"jitter above 1", Options{API: api, Retry: RetryOptions{Jitter: 1.5}}, false},
		{"multiplier below 1", Options{API: api, Retry: RetryOptions{Multiplier: 0.5}}, false},
		{"negative attempts", Options{API: api, Retry: RetryOptions{MaxAttempts: -1}}, false},
	}
	for _, tt := range tests {
		h, err := New(tt.opts)
		if (err == nil) != tt.ok {
			t.Errorf("%s: New error = %v; want ok %v", tt.name, err, tt.ok)
		}
		if tt.ok && (h.maxResults < 1 || h.retry.InitialInterval != 200*time.Millisecond && tt.opts.Retry.InitialInterval == 0) {
			t.Errorf("%s: defaults not applied: %+v", tt.name, h)
		}
	}
}

func hasWarning(out *Outcome, source, code string) bool {
	for _, w := range out.Warnings {
		if w.Source == source && w.Code == code {
			return true
		}
	}
	return false
}

func hasSource(out *Outcome, source string) bool {
	for _, w := range out.Warnings {
		if w.Source == source {
			return true
		}
	}
	return false
}

func TestUnrecognisable(t *testing.T) {
	t.Parallel()
	longKey := strings.Repeat("K", 31)
	tests := []struct {
		name string
		id   identity
		want string // "" or a prefix of the reason
	}{
		{"no tokens", identity{FirstName: "John", LastName: "Doe"}, "the customer has no searchable identifier"},
		{"key", identity{Key: "DOM123"}, ""},
		{"long key alone", identity{Key: longKey}, ""},
		{"long key with a phone", identity{Key: longKey, Phones: []string{"9891361006"}}, ""},
		{"last name and phone", identity{LastName: "Doe", Phones: []string{"9891361006"}}, ""},
		{"last name and email", identity{LastName: "Doe", Emails: []string{"a@b.c"}}, ""},
		{"last name and vin", identity{LastName: "Doe", VINs: []string{vinA}}, ""},
		{"phone without last name", identity{FirstName: "John", Phones: []string{"9891361006"}}, "the decision tree cannot recognise"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unrecognisable(tt.id, searchTerms(searchTokens(tt.id)))
			if (tt.want == "") != (got == "") || !strings.HasPrefix(got, tt.want) {
				t.Errorf("unrecognisable(%+v) = %q; want %q", tt.id, got, tt.want)
			}
		})
	}
}
