package schemas

import (
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// minimalLead is testdata/valid/lead-minimal.json on one line, for tests that edit it.
const minimalLead = `{"eventId":"lead-min-1","eventType":"lead","occurredAt":"2024-06-08T11:00:00-05:00",` +
	`"departmentUuid":"dept-1","dealerUuid":"dealer-1","lead":{"customer":{},` +
	`"dealerDetails":{"source":"BMW_SPARC"},"services":[{"code":"RC-22V123","name":"Recall 22V123"}],` +
	`"status":"NEW","lastContactDate":"2024-06-08 11:00:00+0000","leadType":"SERVICE_DEMAND"}}`

// withLead replaces old with new in minimalLead, failing if old is absent.
func withLead(t *testing.T, old, new string) []byte {
	t.Helper()
	if !strings.Contains(minimalLead, old) {
		t.Fatalf("minimalLead has no %s", old)
	}
	return []byte(strings.Replace(minimalLead, old, new, 1))
}

func TestDecodeFullLead(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/valid/lead-full.json")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Decode(b)
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	l := ev.Lead
	switch {
	case ev.EventID != "lead-2024-06-08-000123", ev.EventType != TypeLead,
		!ev.OccurredAt.Equal(time.Date(2024, 6, 8, 11, 0, 0, 0, time.UTC)),
		ev.DepartmentUUID != "5e7f1d2c3b4a59687f6e5d4c3b2a1908", ev.DealerUUID != "9a8b7c6d5e4f30211f2e3d4c5b6a7988":
		t.Errorf("envelope = %+v", ev)
	case l.Customer.CustomerKey != "DOM123", !l.Customer.IsBusiness, len(l.Customer.Addresses) != 1,
		l.Customer.Addresses[0].IsValid == nil || !*l.Customer.Addresses[0].IsValid,
		len(l.Customer.Emails) != 1, len(l.Customer.PhoneNumbers) != 1,
		l.Customer.PhoneNumbers[0].OkToText == nil || !*l.Customer.PhoneNumbers[0].OkToText:
		t.Errorf("customer = %+v", l.Customer)
	case l.Vehicle == nil || l.Vehicle.VIN != "1FTFW1E50PFC10709" || l.Vehicle.VehicleEngine != "3.5L V6":
		t.Errorf("vehicle = %+v", l.Vehicle)
	case l.DealerDetails != DealerDetails{Name: "Test Imports LLC", Code: "D123", Source: "MMC"}:
		t.Errorf("dealerDetails = %+v", l.DealerDetails)
	case len(l.Services) != 1 || l.Services[0].DueDate != "2025-06-01",
		l.Status != "NEW", l.LastContactDate != "2024-06-08 11:00:00Z", l.LeadID != "US000000111199002", l.LeadType != "RECALL":
		t.Errorf("lead = %+v", l)
	}
}

func TestDecodeCustomerEvent(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/valid/customer-vehicles.json")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Decode(b)
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	if ev.EventType != TypeCustomer || ev.Customer == nil || ev.Lead != nil || ev.Customer.LastName != "Roe" {
		t.Errorf("event = %+v", ev)
	}
	if len(ev.Vehicles) != 2 || ev.Vehicles[1].VIN != "WDB9066331S123456" {
		t.Errorf("vehicles = %+v", ev.Vehicles)
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      []byte
		wantErr string // "" for success
	}{
		{"minimal", []byte(minimalLead), ""},
		{"unknown properties ignored", withLead(t, `"status"`, `"x-trace":{"a":[1,2]},"status"`), ""},
		{"phone with dots", withLead(t, `"customer":{}`, `"customer":{"phoneNumbers":[{"phoneNumber":"989.136.1006"}]}`), ""},
		{"phone with +1", withLead(t, `"customer":{}`, `"customer":{"phoneNumbers":[{"phoneNumber":"+19891361006"}]}`), ""},
		{"phone with 9 digits", withLead(t, `"customer":{}`, `"customer":{"phoneNumbers":[{"phoneNumber":"989136100"}]}`),
			"/lead/customer/phoneNumbers/0/phoneNumber: not a phone number: want only digits, spaces and + ( ) - . with at least 10 digits"},
		{"phone with letters", withLead(t, `"customer":{}`, `"customer":{"phoneNumbers":[{"phoneNumber":"989-136-1006x"}]}`),
			"/lead/customer/phoneNumbers/0/phoneNumber: not a phone number: want only digits, spaces and + ( ) - . with at least 10 digits"},
		{"vin 17", withLead(t, `"status"`, `"vehicle":{"vin":"1ftfw1e50pfc10709"},"status"`), ""},
		{"vin 18", withLead(t, `"status"`, `"vehicle":{"vin":"1FTFW1E50PFC107090"},"status"`),
			"/lead/vehicle/vin: not a VIN: want 1 to 17 letters and digits"},
		{"vin empty", withLead(t, `"status"`, `"vehicle":{"vin":""},"status"`),
			"/lead/vehicle/vin: not a VIN: want 1 to 17 letters and digits"},
		{"email long", withLead(t, `"customer":{}`, `"customer":{"emails":[{"emailAddress":"`+strings.Repeat("a", 255)+`"}]}`),
			"/lead/customer/emails/0/emailAddress: too long: 255 characters, want at most 254"},
		{"email not checked beyond length", withLead(t, `"customer":{}`, `"customer":{"emails":[{"emailAddress":"not an email"}]}`), ""},
		{"lastContactDate Z", withLead(t, `11:00:00+0000`, `11:00:00Z`), ""},
		{"lastContactDate -0530", withLead(t, `11:00:00+0000`, `11:00:00-0530`), ""},
		{"lastContactDate colon offset", withLead(t, `11:00:00+0000`, `11:00:00+00:00`),
			"/lead/lastContactDate: not a valid date: want yyyy-MM-dd HH:mm:ss followed by Z or an offset like +0000"},
		{"lastContactDate month 13", withLead(t, `2024-06-08 11:00:00+0000`, `2024-13-08 11:00:00+0000`),
			"/lead/lastContactDate: not a valid date: want yyyy-MM-dd HH:mm:ss followed by Z or an offset like +0000"},
		{"occurredAt leap second", withLead(t, `2024-06-08T11:00:00-05:00`, `2016-12-31T23:59:60Z`),
			`/occurredAt: "2016-12-31T23:59:60Z" is not a valid date-time: want RFC 3339 like 2024-06-08T11:00:00Z`},
		{"occurredAt fraction", withLead(t, `2024-06-08T11:00:00-05:00`, `2024-06-08T11:00:00.123456789+01:00`), ""},
		{"eventId 200 runes", withLead(t, `"lead-min-1"`, `"`+strings.Repeat("é", 200)+`"`), ""},
		{"case variant of a field ignored", withLead(t, `"eventId"`, `"EVENTID":5,"eventId"`), ""},
		{"duplicate key: last wins in schema and event", withLead(t, `"status":"NEW"`, `"status":"NEW","status":"OLD"`),
			`/lead/status: value must be "NEW"`},
		{"services 2nd item", withLead(t, `"name":"Recall 22V123"}`, `"name":"Recall 22V123"},{"code":""}`),
			"/lead/services/1/code: must not be empty; /lead/services/1/name: missing property"},
		{"number eventId", withLead(t, `"lead-min-1"`, `1e400`), "/eventId: got number, want string"},
		{"deep nesting", []byte(strings.Repeat("[", 100000) + strings.Repeat("]", 100000)),
			"not JSON: invalid character '[' exceeded max depth at offset 10001"},
		{"unknown eventType long", withLead(t, `"eventType":"lead"`, `"eventType":"`+strings.Repeat("z", 100)+`"`),
			`/eventType: unknown event type "` + strings.Repeat("z", 37) + `…", want one of "lead", "customer"`},
		{"empty object", []byte(`{}`), "/eventType: missing property"},
		{"customer event, every top-level field missing", []byte(`{"eventType":"customer"}`),
			"/customer: missing property; /departmentUuid: missing property; /eventId: missing property; /occurredAt: missing property"},
		{"not UTF-8 in a string", []byte("{\"eventType\":\"lead\xff\"}"), "not UTF-8"},
		{"BOM", []byte("\uFEFF{}"), "not JSON: invalid character 'ï' looking for beginning of value at offset 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev, err := Decode(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Decode = %v; want no error", err)
				}
				if ev.EventID != PeekEventID(tt.in) {
					t.Errorf("EventID = %q; want %q", ev.EventID, PeekEventID(tt.in))
				}
				return
			}
			if err == nil {
				t.Fatalf("Decode = %+v, nil; want error %q", ev, tt.wantErr)
			}
			if got := err.Error(); got != tt.wantErr {
				t.Errorf("Decode error\n got: %s\nwant: %s", got, tt.wantErr)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
			}
		})
	}
}

// TestDecodeDropsOtherTypesFields checks that each event type keeps only its own fields.
func TestDecodeDropsOtherTypesFields(t *testing.T) {
	t.Parallel()
	for _, extra := range []string{
		`"customer":{"lastName":"X"},"vehicles":[{"vin":"A1"}],`,
		`"customer":5,"vehicles":"x","Customer":[],`,
	} {
		ev, err := Decode(withLead(t, `"lead":`, extra+`"lead":`))
		if err != nil {
			t.Fatalf("Decode with %s = %v", extra, err)
		}
		if ev.Customer != nil || ev.Vehicles != nil || ev.Lead == nil {
			t.Errorf("lead event = %+v; want Customer and Vehicles nil", ev)
		}
	}
	for _, extra := range []string{
		`"dealerUuid":"x","lead":{"status":"NEW"},`,
		`"dealerUuid":5,"lead":"x","LEAD":[],"DealerUUID":true,`,
	} {
		ev, err := Decode([]byte(`{"eventId":"c","eventType":"customer","occurredAt":"2024-06-08T11:00:00Z",` +
			extra + `"departmentUuid":"d","customer":{}}`))
		if err != nil {
			t.Fatalf("Decode with %s = %v", extra, err)
		}
		if ev.Lead != nil || ev.DealerUUID != "" || ev.Customer == nil {
			t.Errorf("customer event = %+v; want Lead nil and DealerUUID empty", ev)
		}
	}
}

func TestDecodeConcurrent(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			for range 50 {
				if _, err := Decode([]byte(minimalLead)); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}
