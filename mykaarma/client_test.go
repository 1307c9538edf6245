package mykaarma_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

const (
	dept   = "dept-1"
	dealer = "dealer-1"
)

// setup starts a fake and a client for it; tweak adjusts the client options.
func setup(t *testing.T, tweak func(*mykaarma.Options)) (*mykaarma.Client, *mykaarmatest.Server) {
	t.Helper()
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{Password: "s3cr3t-Pa55"})
	opts := mykaarma.Options{Username: mykaarmatest.DefaultUsername, Password: "s3cr3t-Pa55", Timeout: 5 * time.Second}
	if tweak != nil {
		tweak(&opts)
	}
	c, err := mykaarma.New(fake.URL, opts)
	if err != nil {
		t.Fatalf("New(%q) error: %v", fake.URL, err)
	}
	return c, fake
}

func failNextBody(s *mykaarmatest.Server, status int, body string) {
	s.AddFault(mykaarmatest.Fault{Status: status, Body: body, Times: 1})
}

// seedCustomer is a customer with key, phone, email and one vehicle.
func seedCustomer() mykaarma.CustomerWithVehicles {
	return mykaarma.CustomerWithVehicles{
		Customer: mykaarma.Customer{
			CustomerKey:  "DOM123",
			FirstName:    "John",
			LastName:     "Doe",
			PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006", Label: "CELL"}},
			Emails:       []mykaarma.Email{{EmailAddress: "john@x.com", Label: "HOME"}},
		},
		Vehicles: []mykaarma.Vehicle{{VIN: "1FTFW1E50PFA6C650709", VehicleYear: "2023", VehicleMake: "Ford", VehicleModel: "F-150"}},
	}
}

func validLead(customerUUID string) *mykaarma.Lead {
	return &mykaarma.Lead{
		Customer:        mykaarma.Customer{UUID: customerUUID, FirstName: "John", LastName: "Doe"},
		Vehicle:         &mykaarma.Vehicle{VIN: "1FTFW1E50PFA6C650709"},
		DealerDetails:   mykaarma.DealerDetails{Source: "MMC"},
		Services:        []mykaarma.Service{{Code: "R1", Name: "Recall 1"}},
		Status:          "NEW",
		LastContactDate: "2024-06-08 11:00:00Z",
		LeadType:        "RECALL",
	}
}

// call runs one operation with valid arguments against a fake holding customer id.
func call(ctx context.Context, c *mykaarma.Client, op, id string) error {
	var err error
	switch op {
	case "search":
		_, err = c.SearchCustomers(ctx, dept, "DOM123", 10)
	case "read":
		_, err = c.GetCustomer(ctx, dept, id)
	case "create":
		body := seedCustomer()
		body.Customer.CustomerKey = "NEW1"
		_, err = c.CreateCustomer(ctx, dept, &body)
	case "update":
		body := seedCustomer()
		_, err = c.UpdateCustomer(ctx, dept, id, &body)
	case "lead":
		_, err = c.SaveLead(ctx, dealer, validLead(id))
	default:
		panic("unknown op " + op)
	}
	return err
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	ok := mykaarma.Options{Username: "u", Password: "p"}
	tests := []struct {
		name    string
		baseURL string
		opts    mykaarma.Options
		wantErr bool
	}{
		{"https", "https://api.mykaarma.com", ok, false},
		{"http with path", "http://127.0.0.1:8089/prefix/", ok, false},
		{"ftp scheme", "ftp://api.mykaarma.com", ok, true},
		{"no scheme", "api.mykaarma.com", ok, true},
		{"userinfo", "https://u:p@api.mykaarma.com", ok, true},
		{"query", "https://api.mykaarma.com?x=1", ok, true},
		{"no username", "https://api.mykaarma.com", mykaarma.Options{Password: "p"}, true},
		{"no password", "https://api.mykaarma.com", mykaarma.Options{Username: "u"}, true},
		{"negative timeout", "https://api.mykaarma.com", mykaarma.Options{Username: "u", Password: "p", Timeout: -1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := mykaarma.New(tt.baseURL, tt.opts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New(%q) error = %v; want error %v", tt.baseURL, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "u:p") {
				t.Errorf("New error %q leaks credentials", err)
			}
		})
	}
}

func TestSearchRequestShape(t *testing.T) {
	t.Parallel()
	c, fake := setup(t, func(o *mykaarma.Options) { o.UserAgent = "ua-test" })
	const oddDept = "dept/with space?&"
	if _, err := c.SearchCustomers(context.Background(), oddDept, "DOM123 a+b&c", 25); err != nil {
		t.Fatalf("SearchCustomers error: %v", err)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("fake got %d requests; want 1", len(reqs))
	}
	r := reqs[0]
	if r.Op != mykaarmatest.OpSearch || r.Method != http.MethodGet {
		t.Errorf("request op, method = %q, %q; want search, GET", r.Op, r.Method)
	}
	if want := "/customer/v2/department/" + oddDept + "/customer/listMinimal"; r.Path != want {
		t.Errorf("path = %q; want %q", r.Path, want)
	}
	for k, want := range map[string]string{
		"fieldsToBeSearched": "vehicles.vin,communications.commValue,customerKey",
		"maxResults":         "25",
		"searchTerm":         "DOM123 a+b&c",
		"queryOperator":      "OR",
	} {
		if got := r.Query.Get(k); got != want {
			t.Errorf("query %s = %q; want %q", k, got, want)
		}
	}
}

func TestSearchNoMatchIsEmptyResult(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, nil)
	res, err := c.SearchCustomers(context.Background(), dept, "nobody", 10)
	if err != nil {
		t.Fatalf("SearchCustomers error: %v", err)
	}
	if len(res.Customers) != 0 || len(res.Warnings) != 1 || res.Warnings[0].Code != mykaarma.WarningNoCustomerFound {
		t.Errorf("SearchCustomers = %+v; want no customers and warning %d", res, mykaarma.WarningNoCustomerFound)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	c, fake := setup(t, nil)
	ctx := context.Background()
	body := seedCustomer()
	saved, err := c.CreateCustomer(ctx, dept, &body)
	if err != nil {
		t.Fatalf("CreateCustomer error: %v", err)
	}
	found, err := c.SearchCustomers(ctx, dept, "DOM123", 10)
	if err != nil {
		t.Fatalf("SearchCustomers error: %v", err)
	}
	if len(found.Customers) != 1 || found.Customers[0].UUID != saved.CustomerUUID {
		t.Fatalf("SearchCustomers = %+v; want the created customer %s", found.Customers, saved.CustomerUUID)
	}
	read, err := c.GetCustomer(ctx, dept, saved.CustomerUUID)
	if err != nil {
		t.Fatalf("GetCustomer error: %v", err)
	}
	if got := read.Customer.Customer.LastName; got != "Doe" {
		t.Errorf("GetCustomer last name = %q; want Doe", got)
	}
	upd := read.Customer
	upd.Customer.FirstName = "Johnny"
	if _, err := c.UpdateCustomer(ctx, dept, saved.CustomerUUID, &upd); err != nil {
		t.Fatalf("UpdateCustomer error: %v", err)
	}
	res, err := c.SaveLead(ctx, dealer, validLead(saved.CustomerUUID))
	if err != nil {
		t.Fatalf("SaveLead error: %v", err)
	}
	if res.Message != mykaarma.LeadQueued || res.RequestID == "" {
		t.Errorf("SaveLead = %+v; want QUEUED with a request id", res)
	}
	if n := len(fake.Leads(dealer)); n != 1 {
		t.Errorf("fake holds %d leads; want 1", n)
	}
}

func TestSaveLeadVerdicts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		setup       func(*mykaarmatest.Server)
		lead        func(id string) *mykaarma.Lead
		wantMessage string
		wantCode    mykaarma.Code
		wantErr     error
	}{
		{name: "queued", lead: validLead, wantMessage: mykaarma.LeadQueued},
		{name: "unknown customer is unprocessed", lead: func(string) *mykaarma.Lead { return validLead("nope") },
			wantMessage: mykaarma.LeadUnprocessed, wantCode: mykaarmatest.LeadErrCustomerNotFound},
		{name: "recall without vin is unprocessed", lead: func(id string) *mykaarma.Lead { l := validLead(id); l.Vehicle = nil; return l },
			wantMessage: mykaarma.LeadUnprocessed, wantCode: mykaarmatest.LeadErrMissingVIN},
		{name: "other verdict is rejected", setup: func(s *mykaarmatest.Server) {
			s.SetLeadVerdict(func(string, mykaarma.Lead) string { return "REJECTED" })
		}, lead: validLead, wantErr: mykaarma.ErrRejected},
		{name: "alternative error spelling", setup: func(s *mykaarmatest.Server) {
			s.AddFault(mykaarmatest.Fault{Op: "lead", Status: 200, Body: `{"error":{"code":42,"description":"no"},"message":"UNPROCESSED","status":"Success"}`})
		}, lead: validLead, wantMessage: mykaarma.LeadUnprocessed, wantCode: "42"},
		{name: "invalid lead is a 400", lead: func(id string) *mykaarma.Lead { l := validLead(id); l.Status = "OLD"; return l },
			wantErr: mykaarma.ErrRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, fake := setup(t, nil)
			id := fake.AddCustomer(dept, seedCustomer())
			if tt.setup != nil {
				tt.setup(fake)
			}
			res, err := c.SaveLead(context.Background(), dealer, tt.lead(id))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("SaveLead error = %v; want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("SaveLead error: %v", err)
			}
			if res.Message != tt.wantMessage {
				t.Errorf("SaveLead message = %q; want %q", res.Message, tt.wantMessage)
			}
			if tt.wantCode != "" && (res.Error == nil || res.Error.Code != tt.wantCode) {
				t.Errorf("SaveLead error object = %+v; want code %q", res.Error, tt.wantCode)
			}
		})
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestDialErrorIsTransientAndNotUnknown(t *testing.T) {
	t.Parallel()
	c, err := mykaarma.New("http://"+closedAddr(t), mykaarma.Options{Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	body := seedCustomer()
	_, err = c.CreateCustomer(context.Background(), dept, &body)
	var e *mykaarma.Error
	if !errors.As(err, &e) || !errors.Is(err, mykaarma.ErrTransient) {
		t.Fatalf("CreateCustomer error = %v; want a transient *Error", err)
	}
	if errors.Is(err, mykaarma.ErrOutcomeUnknown) {
		t.Errorf("errors.Is(%v, ErrOutcomeUnknown) = true for a dial error; want false", err)
	}
}

func TestCallerContextIsNotTransient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ctx  func(t *testing.T) context.Context
		want error
	}{
		{"cancelled before the call", func(t *testing.T) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, context.Canceled},
		{"caller deadline while hanging", func(t *testing.T) context.Context {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			t.Cleanup(cancel)
			return ctx
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, fake := setup(t, func(o *mykaarma.Options) { o.Timeout = time.Minute })
			fake.AddFault(mykaarmatest.Fault{Hang: true})
			err := call(tt.ctx(t), c, "create", "")
			if !errors.Is(err, tt.want) {
				t.Errorf("CreateCustomer error = %v; want %v", err, tt.want)
			}
			for _, class := range []error{mykaarma.ErrTransient, mykaarma.ErrAuth, mykaarma.ErrRejected} {
				if errors.Is(err, class) {
					t.Errorf("CreateCustomer error = %v; is %v, want no class", err, class)
				}
			}
		})
	}
}

func TestNoSecretsInErrors(t *testing.T) {
	t.Parallel()
	const pass = "s3cr3t-Pa55"
	token := base64.StdEncoding.EncodeToString([]byte(mykaarmatest.DefaultUsername + ":" + pass))
	faults := map[string]func(*mykaarmatest.Server){
		"401":          func(s *mykaarmatest.Server) { s.SetCredentials("other", "other") },
		"echoing 500":  func(s *mykaarmatest.Server) { failNextBody(s, 500, `{"message":"bad `+pass+` Basic `+token+`"}`) },
		"echoing html": func(s *mykaarmatest.Server) { failNextBody(s, 200, "<html>Authorization: Basic "+token+"</html>") },
		"hang":         func(s *mykaarmatest.Server) { s.AddFault(mykaarmatest.Fault{Hang: true}) },
		"drop":         func(s *mykaarmatest.Server) { s.AddFault(mykaarmatest.Fault{DropAfterApply: true}) },
		"403":          func(s *mykaarmatest.Server) { s.DenyScope(mykaarmatest.ScopeCustomerUpdate) },
	}
	for name, fault := range faults {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, fake := setup(t, func(o *mykaarma.Options) { o.Timeout = 200 * time.Millisecond })
			id := fake.AddCustomer(dept, seedCustomer())
			fault(fake)
			err := call(context.Background(), c, "update", id)
			if err == nil {
				t.Fatal("UpdateCustomer error = nil; want an error")
			}
			msg := err.Error()
			for _, secret := range []string{pass, token, "Authorization"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q contains %q", msg, secret)
				}
			}
		})
	}
}

func TestSearchInRequestShape(t *testing.T) {
	t.Parallel()
	c, fake := setup(t, nil)
	if _, err := c.SearchCustomersIn(context.Background(), dept, "DOM123", 100, mykaarma.FieldCustomerKey); err != nil {
		t.Fatalf("SearchCustomersIn error: %v", err)
	}
	if _, err := c.SearchCustomersIn(context.Background(), dept, "DOM123", 100, mykaarma.FieldVIN, mykaarma.FieldCommValue); err != nil {
		t.Fatalf("SearchCustomersIn error: %v", err)
	}
	reqs := fake.Requests()
	if len(reqs) != 2 {
		t.Fatalf("fake got %d requests; want 2", len(reqs))
	}
	for i, want := range []string{"customerKey", "vehicles.vin,communications.commValue"} {
		if got := reqs[i].Query.Get("fieldsToBeSearched"); got != want {
			t.Errorf("request %d fieldsToBeSearched = %q; want %q", i, got, want)
		}
	}
}
