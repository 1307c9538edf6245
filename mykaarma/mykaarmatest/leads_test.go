package mykaarmatest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

func lead(customerUUID string) mykaarma.Lead {
	return mykaarma.Lead{
		Customer:        mykaarma.Customer{UUID: customerUUID},
		Vehicle:         &mykaarma.Vehicle{VIN: "1FTFW1E50PFA6C650709"},
		DealerDetails:   mykaarma.DealerDetails{Source: "MMC"},
		Services:        []mykaarma.Service{{Code: "R1", Name: "Recall", DueDate: "2025-06-01"}},
		Status:          "NEW",
		LastContactDate: "2024-06-08 11:00:00Z",
		LeadType:        "RECALL",
	}
}

func TestSaveLeadValidation(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	id := s.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{LastName: "Doe"}})
	tests := []struct {
		name       string
		edit       func(l *mykaarma.Lead)
		wantStatus int
		wantMsg    string
	}{
		{"valid", func(*mykaarma.Lead) {}, 200, mykaarma.LeadQueued},
		{"bmw sparc", func(l *mykaarma.Lead) { l.DealerDetails.Source = "BMW_SPARC" }, 200, mykaarma.LeadQueued},
		{"offset date", func(l *mykaarma.Lead) { l.LastContactDate = "2024-06-08 11:00:00+0000" }, 200, mykaarma.LeadQueued},
		{"service demand", func(l *mykaarma.Lead) { l.LeadType = "SERVICE_DEMAND"; l.Vehicle = nil }, 200, mykaarma.LeadQueued},
		{"bad source", func(l *mykaarma.Lead) { l.DealerDetails.Source = "WEB" }, 400, ""},
		{"no services", func(l *mykaarma.Lead) { l.Services = nil }, 400, ""},
		{"service without code", func(l *mykaarma.Lead) { l.Services[0].Code = "" }, 400, ""},
		{"service without name", func(l *mykaarma.Lead) { l.Services[0].Name = "" }, 400, ""},
		{"bad due date", func(l *mykaarma.Lead) { l.Services[0].DueDate = "06/01/2025" }, 400, ""},
		{"status not new", func(l *mykaarma.Lead) { l.Status = "OPEN" }, 400, ""},
		{"iso date", func(l *mykaarma.Lead) { l.LastContactDate = "2024-06-08T11:00:00Z" }, 400, ""},
		{"no zone", func(l *mykaarma.Lead) { l.LastContactDate = "2024-06-08 11:00:00" }, 400, ""},
		{"impossible date", func(l *mykaarma.Lead) { l.LastContactDate = "2024-13-08 11:00:00Z" }, 400, ""},
		{"bad lead type", func(l *mykaarma.Lead) { l.LeadType = "SALES" }, 400, ""},
		{"no customer uuid", func(l *mykaarma.Lead) { l.Customer.UUID = "" }, 200, mykaarma.LeadUnprocessed},
		{"unknown customer", func(l *mykaarma.Lead) { l.Customer.UUID = "nope" }, 200, mykaarma.LeadUnprocessed},
		{"recall without vin", func(l *mykaarma.Lead) { l.Vehicle.VIN = "" }, 200, mykaarma.LeadUnprocessed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := lead(id)
			tt.edit(&l)
			status, body := do(t, s, http.MethodPost, "/leads/v3/dealers/"+dealer+"/leads", nil, l)
			if status != tt.wantStatus {
				t.Fatalf("save lead status = %d (%v); want %d", status, body, tt.wantStatus)
			}
			if status != 200 {
				if body["status"] != float64(400) || body["error"] != "Bad Request" || body["message"] == "" {
					t.Errorf("400 body = %v; want the framework shape", body)
				}
				return
			}
			if body["message"] != tt.wantMsg || body["status"] != "Success" {
				t.Errorf("body = %v; want message %s, status Success", body, tt.wantMsg)
			}
			errObj, _ := body["error"].(map[string]any)
			warns, _ := body["warnings"].([]any)
			if tt.wantMsg == mykaarma.LeadUnprocessed && (errObj == nil || errObj["errorCode"] == "" || len(warns) == 0) {
				t.Errorf("UNPROCESSED body = %v; want an error object and a warning", body)
			}
			if tt.wantMsg == mykaarma.LeadQueued && (body["requestId"] == "" || errObj != nil) {
				t.Errorf("QUEUED body = %v; want a requestId and no error", body)
			}
		})
	}
}

func TestLeadsStoredAndOverride(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	id := s.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{LastName: "Doe"}})
	c := newClient(t, s)
	ctx := context.Background()
	l := lead(id)
	if _, err := c.SaveLead(ctx, dealer, &l); err != nil {
		t.Fatalf("SaveLead error: %v", err)
	}
	unknown := lead("nope")
	if _, err := c.SaveLead(ctx, dealer, &unknown); err != nil {
		t.Fatalf("SaveLead error: %v", err)
	}
	if got := s.Leads(dealer); len(got) != 1 || got[0].Customer.UUID != id {
		t.Errorf("Leads(%q) = %+v; want the QUEUED lead only", dealer, got)
	}

	dealers := make(chan string, 1)
	s.SetLeadVerdict(func(d string, _ mykaarma.Lead) string { dealers <- d; return mykaarma.LeadUnprocessed })
	res, err := c.SaveLead(ctx, "dealer-2", &l)
	if err != nil {
		t.Fatalf("SaveLead error: %v", err)
	}
	sawDealer := <-dealers
	if res.Message != mykaarma.LeadUnprocessed || res.Error == nil || res.Error.Code != mykaarmatest.LeadErrOverridden || sawDealer != "dealer-2" {
		t.Errorf("overridden SaveLead = %+v (dealer %q); want UNPROCESSED by override for dealer-2", res, sawDealer)
	}
	if n := len(s.Leads("dealer-2")); n != 0 {
		t.Errorf("Leads(dealer-2) = %d; want 0", n)
	}
}

func TestAuthScopesAndRoutes(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{Username: "u1", Password: "p1"})
	get := func(user, pass, path string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = jsonDecode(resp, &body)
		return resp.StatusCode, body
	}
	search := searchPath(dept) + "?maxResults=1&searchTerm=x"
	steps := []struct {
		name       string
		before     func()
		user, pass string
		path       string
		wantStatus int
		wantMsg    string
	}{
		{name: "no credentials", path: search, wantStatus: 401},
		{name: "wrong password", user: "u1", pass: "nope", path: search, wantStatus: 401},
		{name: "right credentials", user: "u1", pass: "p1", path: search, wantStatus: 200},
		{name: "unknown route", user: "u1", pass: "p1", path: "/customer/v3/nothing", wantStatus: 404},
		{name: "unknown route without credentials", path: "/nothing", wantStatus: 401},
		{name: "rotated away", before: func() { s.SetCredentials("u2", "p2") }, user: "u1", pass: "p1", path: search, wantStatus: 401},
		{name: "rotated to", user: "u2", pass: "p2", path: search, wantStatus: 200},
		{name: "scope denied", before: func() { s.DenyScope(mykaarmatest.ScopeCustomerSearch) }, user: "u2", pass: "p2", path: search,
			wantStatus: 403, wantMsg: "ApiScope does not exist"},
		{name: "scope allowed", before: func() { s.AllowScope(mykaarmatest.ScopeCustomerSearch) }, user: "u2", pass: "p2", path: search, wantStatus: 200},
		{name: "reset restores credentials", before: s.Reset, user: "u1", pass: "p1", path: search, wantStatus: 200},
	}
	for _, st := range steps { // sequential: each step builds on the last
		if st.before != nil {
			st.before()
		}
		status, body := get(st.user, st.pass, st.path)
		if status != st.wantStatus {
			t.Errorf("%s: status = %d; want %d", st.name, status, st.wantStatus)
		}
		if status >= 400 && (body["status"] != float64(status) || body["path"] == nil || body["timestamp"] == nil) {
			t.Errorf("%s: body = %v; want the framework shape", st.name, body)
		}
		if st.wantMsg != "" && body["message"] != st.wantMsg {
			t.Errorf("%s: message = %v; want %q", st.name, body["message"], st.wantMsg)
		}
	}
}
