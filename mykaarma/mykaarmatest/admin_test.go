package mykaarmatest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

func TestAdminHandler(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.New(mykaarmatest.Options{})
	t.Cleanup(s.Close)
	admin := s.AdminHandler()
	serve := func(method, target, body string) *httptest.ResponseRecorder {
		t.Helper()
		rec := httptest.NewRecorder()
		admin.ServeHTTP(rec, httptest.NewRequest(method, target, strings.NewReader(body)))
		return rec
	}
	api := func() int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/customer/v2/department/d1/customer/listMinimal?maxResults=1&searchTerm=x", nil)
		req.SetBasicAuth(mykaarmatest.DefaultUsername, mykaarmatest.DefaultPassword)
		s.ServeHTTP(rec, req)
		return rec.Code
	}

	if rec := serve("GET", "/_fake/healthz", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), "ok") {
		t.Errorf("healthz = %d %q; want 200 ok", rec.Code, rec.Body)
	}
	rec := serve("POST", "/_fake/customers?department=d1", `{"customer":{"lastName":"Doe","customerKey":"K1"}}`)
	if rec.Code != 201 {
		t.Fatalf("seed customer = %d %s; want 201", rec.Code, rec.Body)
	}
	var customers []mykaarma.CustomerWithVehicles
	if rec := serve("GET", "/_fake/customers?department=d1", ""); json.Unmarshal(rec.Body.Bytes(), &customers) != nil || len(customers) != 1 {
		t.Errorf("customers = %s; want one", rec.Body)
	}
	if rec := serve("POST", "/_fake/faults", `{"op":"search","status":503,"latency":"1ms","times":1}`); rec.Code != 201 {
		t.Fatalf("add fault = %d %s; want 201", rec.Code, rec.Body)
	}
	if got := api(); got != 503 {
		t.Errorf("search after fault = %d; want 503", got)
	}
	if got := api(); got != 200 {
		t.Errorf("search after the fault ran out = %d; want 200", got)
	}
	serve("POST", "/_fake/faults", `{"status":500,"latency":1000}`)
	if rec := serve("DELETE", "/_fake/faults", ""); rec.Code != 204 {
		t.Errorf("delete faults = %d; want 204", rec.Code)
	}
	if got := api(); got != 200 {
		t.Errorf("search after DELETE faults = %d; want 200", got)
	}
	for _, bad := range []string{`{"latency":"soon"}`, `{"probability":2}`, `{"nope":1}`, `[`} {
		if rec := serve("POST", "/_fake/faults", bad); rec.Code != 400 {
			t.Errorf("add fault %s = %d; want 400", bad, rec.Code)
		}
	}
	var reqs []mykaarmatest.Request
	if rec := serve("GET", "/_fake/requests", ""); json.Unmarshal(rec.Body.Bytes(), &reqs) != nil || len(reqs) != 3 {
		t.Errorf("requests = %s; want 3", rec.Body)
	}
	if rec := serve("GET", "/_fake/leads?dealer=x", ""); strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("leads = %s; want []", rec.Body)
	}
	serve("POST", "/_fake/reset", "")
	if n := s.CustomerCount(); n != 0 {
		t.Errorf("CustomerCount after reset = %d; want 0", n)
	}
}
