package handlers

import (
	"reflect"
	"testing"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
)

func TestCompatibleFirstNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{"Eve", "Eve", true},
		{"EVE", " eve ", true},
		{"", "Adam", true},
		{"Adam", "  ", true},
		{"A", "Adam", true},
		{"a.", "Adam", true},
		{"Adam", "A.", true},
		{"J.", "J", true},
		{"Eve", "Adam", false},
		{"E", "Adam", false},
		{"Ad", "Adam", false}, // not an initial, not equal
		{"Élodie", "É.", true},
	}
	for _, tt := range tests {
		if got := compatibleFirstNames(tt.a, tt.b); got != tt.want {
			t.Errorf("compatibleFirstNames(%q, %q) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestMatchCustomerRequireFirstName(t *testing.T) {
	t.Parallel()
	const vin = "1FTFW1E50PFA6C650709"
	eve := identity{FirstName: "Eve", LastName: "Smithson", Phones: []string{"3138840000"}, VINs: []string{vin}}
	tests := []struct {
		name     string
		key      string // the event's customerKey
		cands    []mykaarma.MinimalCustomer
		wantUUID string
		wantRule string
		wantWarn bool
	}{
		{"other first name on the phone", "", []mykaarma.MinimalCustomer{cand("adam", nil, "Adam", "Smithson", []string{"P:3138840000"})},
			"", schemas.RuleNone, true},
		{"other first name on the car", "", []mykaarma.MinimalCustomer{cand("adam", nil, "Adam", "Smithson", nil, vin)},
			"", schemas.RuleNone, true},
		{"initial is compatible", "", []mykaarma.MinimalCustomer{cand("e", nil, "E.", "Smithson", []string{"P:3138840000"})},
			"e", schemas.RuleLastNameContact, false},
		{"missing first name is compatible", "", []mykaarma.MinimalCustomer{cand("x", nil, "", "Smithson", []string{"P:3138840000"})},
			"x", schemas.RuleLastNameContact, false},
		{"compatible by vin beats incompatible by phone", "", []mykaarma.MinimalCustomer{
			cand("adam", nil, "Adam", "Smithson", []string{"P:3138840000"}),
			cand("eve", nil, "Eve", "Smithson", nil, vin)},
			"eve", schemas.RuleLastNameVIN, true},
		{"rule 1 ignores first names", "K1", []mykaarma.MinimalCustomer{cand("k", key("K1"), "Adam", "Smithson", nil)},
			"k", schemas.RuleCustomerKey, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := eve
			id.Key = tt.key
			got := matchCustomer(id, tt.cands, true)
			if got.UUID != tt.wantUUID || got.Rule != tt.wantRule {
				t.Errorf("matchCustomer = %+v; want %q by %s", got, tt.wantUUID, tt.wantRule)
			}
			var codes []string
			for _, w := range got.Warnings {
				codes = append(codes, w.Code)
			}
			if warned := reflect.DeepEqual(codes, []string{WarnFirstNameMismatch}); warned != tt.wantWarn {
				t.Errorf("warnings = %+v; want first-name-mismatch alone: %v", got.Warnings, tt.wantWarn)
			}
			if loose := matchCustomer(id, tt.cands, false); tt.wantWarn && loose.UUID == got.UUID {
				t.Errorf("without RequireFirstName the verdict is the same (%q): the warning is wrong", loose.UUID)
			}
		})
	}
}

// Adam and Eve Smithson share the household phone. By default (the decision tree: any
// matching customer) Eve's event updates Adam; with RequireFirstName she is created.
func TestHouseholdOption(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		require     bool
		firstName   string
		wantAdam    bool
		wantWarning bool
	}{
		{"default merges the household", false, "Eve", true, false},
		{"required keeps Eve apart", true, "Eve", false, true},
		{"required still matches an initial", true, "A.", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setupWith(t, orders[0].opts, 0, Options{RequireFirstName: tt.require})
			adam := f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{
				FirstName: "Adam", LastName: "Smithson", PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+13138840000", Label: "home"}}}})
			out, err := f.h.Handle(t.Context(), customerEvent(schemas.Customer{FirstName: tt.firstName, LastName: "Smithson",
				PhoneNumbers: []schemas.Phone{{PhoneNumber: "313-884-0000"}}}))
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if got := out.CustomerUUID == adam; got != tt.wantAdam {
				t.Errorf("Handle = %+v; matched Adam %v, want %v", out, got, tt.wantAdam)
			}
			wantCount := 1
			if !tt.wantAdam {
				wantCount = 2
			}
			if n := len(f.srv.Customers(dept)); n != wantCount {
				t.Errorf("fake holds %d customers; want %d", n, wantCount)
			}
			if got := hasWarning(out, SourceLeadworker, WarnFirstNameMismatch); got != tt.wantWarning {
				t.Errorf("warnings = %+v; want %s: %v", out.Warnings, WarnFirstNameMismatch, tt.wantWarning)
			}
		})
	}
}
