package mykaarmatest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

const (
	dept   = "dept-1"
	dealer = "dealer-1"
)

func newClient(t *testing.T, s *mykaarmatest.Server) *mykaarma.Client {
	t.Helper()
	c, err := mykaarma.New(s.URL, mykaarma.Options{Username: mykaarmatest.DefaultUsername, Password: mykaarmatest.DefaultPassword})
	if err != nil {
		t.Fatalf("mykaarma.New: %v", err)
	}
	return c
}

// do sends a raw API request with the default credentials and decodes the JSON answer.
func do(t *testing.T, s *mykaarmatest.Server, method, path string, query url.Values, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	u := s.URL + path
	if query != nil {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(mykaarmatest.DefaultUsername, mykaarmatest.DefaultPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: decode body: %v", method, path, err)
	}
	return resp.StatusCode, out
}

func searchQuery(term string, max string) url.Values {
	return url.Values{
		"fieldsToBeSearched": {"vehicles.vin,communications.commValue,customerKey"},
		"maxResults":         {max},
		"searchTerm":         {term},
		"queryOperator":      {"OR"},
	}
}

func searchPath(d string) string { return "/customer/v2/department/" + d + "/customer/listMinimal" }

func seed(s *mykaarmatest.Server) (a, b, c string) {
	a = s.AddCustomer(dept, mykaarma.CustomerWithVehicles{
		Customer: mykaarma.Customer{CustomerKey: "DOM123", FirstName: "John", LastName: "Doe",
			PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006", Label: "CELL"}},
			Emails:       []mykaarma.Email{{EmailAddress: "john@x.com", Label: "HOME"}}},
		Vehicles: []mykaarma.Vehicle{{VIN: "1FTFW1E50PFA6C650709", VehicleYear: "2023", VehicleMake: "Ford", VehicleModel: "F-150"}},
	})
	b = s.AddCustomer(dept, mykaarma.CustomerWithVehicles{
		Customer: mykaarma.Customer{FirstName: "Jane", LastName: "Roe",
			PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+15551234567", Label: "CELL"}},
			Emails:       []mykaarma.Email{{EmailAddress: "Jane@Y.com", Label: "HOME"}}},
	})
	c = s.AddCustomer(dept, mykaarma.CustomerWithVehicles{
		Customer: mykaarma.Customer{CustomerKey: "OTHER", Company: "Acme"},
		Vehicles: []mykaarma.Vehicle{{VIN: "WBA00000000000001"}},
	})
	s.AddCustomer("dept-2", mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{CustomerKey: "DOM123", LastName: "Elsewhere"}})
	return a, b, c
}

func TestSearchSemantics(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	a, b, c := seed(s)
	cl := newClient(t, s)
	tests := []struct {
		name string
		term string
		max  int
		want []string
	}{
		{"customer key", "DOM123", 10, []string{a}},
		{"customer key any case", "dom123", 10, []string{a}},
		{"key must be complete", "DOM12", 10, nil},
		{"vin suffix", "6C650709", 10, []string{a}},
		{"vin suffix any case", "6c650709", 10, []string{a}},
		{"vin middle is no match", "1FTFW1E5", 10, nil},
		{"ten digit phone", "9891361006", 10, []string{a}},
		{"formatted phone", "(989)136-1006", 10, []string{a}},
		{"email any case", "jane@y.COM", 10, []string{b}},
		{"two tokens oldest first", "5551234567 DOM123", 10, []string{a, b}},
		{"max results", "5551234567 DOM123 OTHER", 2, []string{a, b}},
		{"three tokens", "5551234567 DOM123 OTHER", 10, []string{a, b, c}},
		{"letters do not match phones", "A1006", 10, nil},
		{"no match", "nobody", 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := cl.SearchCustomers(context.Background(), dept, tt.term, tt.max)
			if err != nil {
				t.Fatalf("SearchCustomers(%q) error: %v", tt.term, err)
			}
			var got []string
			for _, m := range res.Customers {
				got = append(got, m.UUID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("SearchCustomers(%q) = %v; want %v", tt.term, got, tt.want)
			}
			noHit := len(res.Warnings) == 1 && res.Warnings[0].Code == mykaarma.WarningNoCustomerFound
			if noHit != (len(tt.want) == 0) {
				t.Errorf("SearchCustomers(%q) warnings = %+v; want 10001 only when nothing matched", tt.term, res.Warnings)
			}
		})
	}
}

// A customerKey longer than the 30-character searchTerm cap is found by its first 30
// characters, and by nothing shorter; keys sharing that beginning are all returned.
func TestSearchLongKey(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	const prefix = "DMS-ACME-MOTORS-EAST-0000000001" // 31 characters
	long := s.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{CustomerKey: prefix + "-0042", LastName: "Doe"}})
	twin := s.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{CustomerKey: prefix + "-0043", LastName: "Roe"}})
	exact := s.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{CustomerKey: prefix[:30], LastName: "Poe"}})
	_ = s.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{CustomerKey: "OTHER-" + prefix, LastName: "Moe"}})
	cl := newClient(t, s)
	tests := []struct {
		name   string
		term   string
		fields []string
		want   []string
	}{
		{"first 30 characters", prefix[:30], nil, []string{long, twin, exact}},
		{"any case", strings.ToLower(prefix[:30]), []string{mykaarma.FieldCustomerKey}, []string{long, twin, exact}},
		{"29 characters find nothing", prefix[:29], nil, nil},
		{"middle of a key finds nothing", prefix[1:], nil, nil},
		{"not in other fields", prefix[:30], []string{mykaarma.FieldCommValue, mykaarma.FieldVIN}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := cl.SearchCustomersIn(context.Background(), dept, tt.term, 10, tt.fields...)
			if err != nil {
				t.Fatalf("SearchCustomersIn(%q) error: %v", tt.term, err)
			}
			var got []string
			for _, m := range res.Customers {
				got = append(got, m.UUID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("SearchCustomersIn(%q, %q) = %v; want %v", tt.term, tt.fields, got, tt.want)
			}
		})
	}
}

func TestSearchResponseShape(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	_, _, _ = seed(s)
	status, body := do(t, s, http.MethodGet, searchPath(dept), searchQuery("DOM123 5551234567", "10"), nil)
	if status != 200 {
		t.Fatalf("search status = %d; want 200", status)
	}
	hits := body["matchingCustomers"].([]any)
	first, second := hits[0].(map[string]any), hits[1].(map[string]any)
	if first["customerKey"] != "DOM123" || first["fname"] != "John" || first["lname"] != "Doe" {
		t.Errorf("first hit = %v; want key DOM123, fname John, lname Doe", first)
	}
	if v, ok := second["customerKey"]; !ok || v != nil {
		t.Errorf("second hit customerKey = %v (present %v); want null", v, ok)
	}
	comms := first["communications"].([]any)
	if len(comms) != 2 || comms[0].(map[string]any)["commType"] != "P" || comms[1].(map[string]any)["commType"] != "E" {
		t.Errorf("communications = %v; want a P then an E", comms)
	}
	veh := first["vehicles"].([]any)[0].(map[string]any)
	for k, want := range map[string]string{"vin": "1FTFW1E50PFA6C650709", "year": "2023", "make": "Ford", "model": "F-150"} {
		if veh[k] != want {
			t.Errorf("vehicle %s = %v; want %q", k, veh[k], want)
		}
	}
	if veh["uuid"] == "" || veh["uuid"] == nil {
		t.Errorf("vehicle uuid is empty")
	}

	status, body = do(t, s, http.MethodGet, searchPath(dept), searchQuery("nobody", "10"), nil)
	if status != 200 {
		t.Fatalf("empty search status = %d; want 200", status)
	}
	if list, ok := body["matchingCustomers"].([]any); !ok || len(list) != 0 {
		t.Errorf("empty search matchingCustomers = %#v; want []", body["matchingCustomers"])
	}
	if list, ok := body["errors"].([]any); !ok || len(list) != 0 {
		t.Errorf("empty search errors = %#v; want []", body["errors"])
	}
}

func TestSearchLimits(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	tests := []struct {
		name       string
		term, max  string
		wantStatus int
	}{
		{"30 characters", strings.Repeat("a", 30), "10", 200},
		{"31 characters", strings.Repeat("a", 31), "10", 400},
		{"empty term", "", "10", 400},
		{"max 1", "x", "1", 200},
		{"max 100", "x", "100", 200},
		{"max 0", "x", "0", 400},
		{"max 101", "x", "101", 400},
		{"max not a number", "x", "ten", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body := do(t, s, http.MethodGet, searchPath(dept), searchQuery(tt.term, tt.max), nil)
			if status != tt.wantStatus {
				t.Fatalf("search(%q, %s) status = %d; want %d", tt.term, tt.max, status, tt.wantStatus)
			}
			if status == 400 {
				for _, k := range []string{"timestamp", "status", "error", "message", "path"} {
					if _, ok := body[k]; !ok {
						t.Errorf("400 body %v lacks %q", body, k)
					}
				}
			}
		})
	}
}
