package mykaarmatest_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// fieldsSeed stores customers whose key, VIN and phone can all be hit by the same token, so
// that only fieldsToBeSearched tells the hits apart.
func fieldsSeed(s *mykaarmatest.Server) (byKey, byVIN, byPhone string) {
	byKey = s.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{CustomerKey: "31361006", LastName: "Key"}})
	byVIN = s.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{LastName: "Vin"},
		Vehicles: []mykaarma.Vehicle{{VIN: "1FTFW1E50PFA31361006"}}})
	byPhone = s.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{LastName: "Phone",
		PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006", Label: "mobile"}},
		Emails:       []mykaarma.Email{{EmailAddress: "x31361006@y.com", Label: "personal"}}}})
	return byKey, byVIN, byPhone
}

func TestSearchFieldsToBeSearched(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	byKey, byVIN, byPhone := fieldsSeed(s)
	cl := newClient(t, s)
	tests := []struct {
		name   string
		fields []string
		want   []string
	}{
		{"all by default", nil, []string{byKey, byVIN, byPhone}},
		{"customerKey only", []string{mykaarma.FieldCustomerKey}, []string{byKey}},
		{"vehicles.vin only", []string{mykaarma.FieldVIN}, []string{byVIN}},
		{"communications.commValue only", []string{mykaarma.FieldCommValue}, []string{byPhone}},
		{"key and vin", []string{mykaarma.FieldCustomerKey, mykaarma.FieldVIN}, []string{byKey, byVIN}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := cl.SearchCustomersIn(context.Background(), dept, "31361006", 10, tt.fields...)
			if err != nil {
				t.Fatalf("SearchCustomersIn(%q) error: %v", tt.fields, err)
			}
			var got []string
			for _, c := range res.Customers {
				got = append(got, c.UUID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("SearchCustomersIn(%q) = %v; want %v", tt.fields, got, tt.want)
			}
		})
	}
}

func TestSearchFieldsToBeSearchedRaw(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	fieldsSeed(s)
	tests := []struct {
		name       string
		fields     string
		wantStatus int
		wantHits   int
	}{
		{"absent means all", "-", 200, 3},
		{"empty means all", "", 200, 3},
		{"spaces around names", " customerKey , vehicles.vin ", 200, 2},
		{"unknown field", "customerKey,lastName", 400, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := searchQuery("31361006", "10")
			if tt.fields == "-" {
				q.Del("fieldsToBeSearched")
			} else {
				q.Set("fieldsToBeSearched", tt.fields)
			}
			status, body := do(t, s, http.MethodGet, searchPath(dept), q, nil)
			if status != tt.wantStatus {
				t.Fatalf("search fieldsToBeSearched=%q status = %d; want %d", tt.fields, status, tt.wantStatus)
			}
			if status != 200 {
				return
			}
			if hits, _ := body["matchingCustomers"].([]any); len(hits) != tt.wantHits {
				t.Errorf("search fieldsToBeSearched=%q = %d hits; want %d", tt.fields, len(hits), tt.wantHits)
			}
		})
	}
}

// A search returns at most maxResults customers, oldest first unless Options.NewestFirst, and
// nothing says more exist.
func TestSearchPageOrder(t *testing.T) {
	t.Parallel()
	for _, newest := range []bool{false, true} {
		s := mykaarmatest.NewServer(t, mykaarmatest.Options{NewestFirst: newest})
		var ids []string
		for range 5 {
			ids = append(ids, s.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{LastName: "Fleet",
				PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+13138840000", Label: "work"}}}}))
		}
		res, err := newClient(t, s).SearchCustomers(context.Background(), dept, "3138840000", 3)
		if err != nil {
			t.Fatalf("SearchCustomers error: %v", err)
		}
		want := ids[:3]
		if newest {
			want = []string{ids[4], ids[3], ids[2]}
		}
		var got []string
		for _, c := range res.Customers {
			got = append(got, c.UUID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("NewestFirst %v: SearchCustomers = %v; want %v", newest, got, want)
		}
	}
}
