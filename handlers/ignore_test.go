package handlers

import (
	"slices"
	"strings"
	"testing"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
)

func TestPlaceholderPhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		digits string
		want   string // "" or a word of the reason
	}{
		{"5555555555", "repeated"},
		{"0000000000", "repeated"},
		{"9999999999", "repeated"},
		{"1234567890", "consecutive"},
		{"0123456789", "consecutive"},
		{"9876543210", "consecutive"},
		{"3125550100", "fictional"},
		{"4155550199", "fictional"},
		{"3125550200", ""},
		{"5551230028", ""},
		{"9891361006", ""},
		{"1234567891", ""},
		{"555555555", ""}, // not 10 digits
	}
	for _, tt := range tests {
		got := placeholderPhone(tt.digits)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("placeholderPhone(%q) = %q; want %q", tt.digits, got, tt.want)
		}
	}
}

func TestPlaceholderEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		email string
		want  bool
	}{
		{"noemail@dealer.com", true},
		{"none@none.com", true},
		{"na@x.com", true},
		{"n/a@x.com", true},
		{"declined@dealer.com", true},
		{"john@noemail.com", true},
		{"nora@x.com", false},
		{"john.doe@gmail.com", false},
		{"noemail", false}, // not an address
	}
	for _, tt := range tests {
		if got := placeholderEmail(tt.email); (got != "") != tt.want {
			t.Errorf("placeholderEmail(%q) = %q; want placeholder %v", tt.email, got, tt.want)
		}
	}
}

func TestParseContactList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"313-884-0000, service@dealer.com,,  @dealer.com ", []string{"313-884-0000", "service@dealer.com", "@dealer.com"}},
		{"# dealership lines\n(313) 884-0000\n313 884 0001, 313 884 0002\n\n", []string{"(313) 884-0000", "313 884 0001", "313 884 0002"}},
	}
	for _, tt := range tests {
		if got := ParseContactList(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("ParseContactList(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestIgnoreListFilter(t *testing.T) {
	t.Parallel()
	l, err := newIgnoreList([]string{"(313) 884-0000", "Service@Dealer.com", "@Fleet.example"})
	if err != nil {
		t.Fatal(err)
	}
	id := identity{LastName: "Doe",
		Phones: []string{"3138840000", "5555555555", "9891361006"},
		Emails: []string{"service@dealer.com", "a@fleet.example", "noemail@x.com", "john@x.com"}}
	got, ws := l.filter(id)
	if !slices.Equal(got.Phones, []string{"9891361006"}) || !slices.Equal(got.Emails, []string{"john@x.com"}) {
		t.Errorf("filter = phones %q emails %q; want only the real ones", got.Phones, got.Emails)
	}
	if len(id.Phones) != 3 || len(id.Emails) != 4 {
		t.Errorf("filter changed its argument: %+v", id)
	}
	var codes []string
	for _, w := range ws {
		codes = append(codes, w.Code)
		if strings.Contains(w.Description, "3138840000") || strings.Contains(w.Description, "service@") {
			t.Errorf("warning %q shows a whole contact", w.Description)
		}
	}
	if len(ws) != 5 || slices.ContainsFunc(codes, func(c string) bool { return c != WarnIgnoredContact }) {
		t.Errorf("warnings = %+v; want 5 %s", ws, WarnIgnoredContact)
	}
}

func TestNewValidatesIgnoreContacts(t *testing.T) {
	t.Parallel()
	api := &mykaarma.Client{}
	for _, tt := range []struct {
		entries []string
		ok      bool
	}{
		{[]string{"313-884-0000", "+1 (313) 884-0001", "a@b.c", "@dealer.com"}, true},
		{[]string{"884-0000"}, false},
		{[]string{"@"}, false},
		{[]string{"@a@b"}, false},
	} {
		_, err := New(Options{API: api, IgnoreContacts: tt.entries})
		if (err == nil) != tt.ok {
			t.Errorf("New(IgnoreContacts %q) error = %v; want ok %v", tt.entries, err, tt.ok)
		}
	}
}

// 31 customers carry the placeholder 555-555-5555, among them the keyless Adam Smithson. A
// new Eve Smithson with that phone is created, and the phone is said to be ignored.
func TestPlaceholderPhoneNeverMatches(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, RetryOptions{})
	f.addSharing(3, "+15555555555")
	adam := f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{
		FirstName: "Adam", LastName: "Smithson", PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+15555555555", Label: "work"}}}})
	f.addSharing(27, "+15555555555")

	out, err := f.h.Handle(t.Context(), customerEvent(schemas.Customer{CustomerKey: "DMS-290", FirstName: "Eve", LastName: "Smithson",
		PhoneNumbers: []schemas.Phone{{PhoneNumber: "555-555-5555"}}}))
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if out.CustomerAction != schemas.ActionCreated || out.CustomerUUID == adam {
		t.Fatalf("Handle = %+v; want a new customer", out)
	}
	if !hasWarning(out, SourceLeadworker, WarnIgnoredContact) {
		t.Errorf("warnings = %+v; want %s", out.Warnings, WarnIgnoredContact)
	}
	if got := f.searchRequests(); !slices.Equal(got, []string{all + "|DMS-290"}) {
		t.Errorf("searches = %q; want the key only (a placeholder is not searched)", got)
	}
	eve, _ := f.srv.Customer(dept, out.CustomerUUID)
	if len(eve.Customer.PhoneNumbers) != 1 || eve.Customer.PhoneNumbers[0].PhoneNumber != "+15555555555" {
		t.Errorf("created phones = %+v; want the placeholder written anyway", eve.Customer.PhoneNumbers)
	}
}

func TestIgnoreContactsOption(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		ignore       []string
		wantAdam     bool
		wantSearches []string
	}{
		{"not listed: rule 2 matches", nil, true, []string{all + "|3138840000"}},
		{"listed: not searched, email searched instead", []string{"+1 313 884 0000"}, false, []string{all + "|eve@x.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setupWith(t, orders[0].opts, 0, Options{IgnoreContacts: tt.ignore})
			adam := f.srv.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{
				LastName: "Smithson", PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+13138840000", Label: "work"}}}})
			out, err := f.h.Handle(t.Context(), customerEvent(schemas.Customer{LastName: "Smithson",
				PhoneNumbers: []schemas.Phone{{PhoneNumber: "(313) 884-0000"}}, Emails: []schemas.Email{{EmailAddress: "eve@x.com"}}}))
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if got := out.CustomerUUID == adam; got != tt.wantAdam {
				t.Errorf("Handle = %+v; matched Adam %v, want %v", out, got, tt.wantAdam)
			}
			if got := hasWarning(out, SourceLeadworker, WarnIgnoredContact); got == tt.wantAdam {
				t.Errorf("warnings = %+v; want %s: %v", out.Warnings, WarnIgnoredContact, !tt.wantAdam)
			}
			if got := f.searchRequests(); !slices.Equal(got, tt.wantSearches) {
				t.Errorf("searches = %q; want %q", got, tt.wantSearches)
			}
			c, _ := f.srv.Customer(dept, out.CustomerUUID)
			if len(c.Customer.PhoneNumbers) != 1 || c.Customer.PhoneNumbers[0].PhoneNumber != "+13138840000" {
				t.Errorf("written phones = %+v; want the listed phone written anyway", c.Customer.PhoneNumbers)
			}
		})
	}
}

func TestMaskEmail(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"noemail@dealer.com": "n…@dealer.com", "é@x.fr": "é…@x.fr", "x": "…", "@x": "…"} {
		if got := maskEmail(in); got != want {
			t.Errorf("maskEmail(%q) = %q; want %q", in, got, want)
		}
	}
}
