package handlers

import (
	"reflect"
	"testing"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
)

func TestNewSubject(t *testing.T) {
	t.Parallel()
	c := schemas.Customer{
		UUID: "upstream", CustomerKey: " DOM123 ", FirstName: " John ", LastName: "Doe ",
		PhoneNumbers: []schemas.Phone{
			{PhoneNumber: "(989) 136-1006", Label: "work"},
			{PhoneNumber: "1-989-136-1006", OkToText: flag(true)}, // same number
			{PhoneNumber: "555-0199"},                             // invalid
			{PhoneNumber: "  "},                                   // blank, dropped silently
		},
		Emails: []schemas.Email{{EmailAddress: " John.Doe@Gmail.COM "}, {EmailAddress: "john.doe@gmail.com"}, {EmailAddress: ""}},
	}
	vs := []schemas.Vehicle{{UUID: "up-v", VIN: " 1ftfw1e50pfa6c650709"}, {VehicleMake: "NoVIN"}}
	s := newSubject(c, vs)

	wantID := identity{Key: "DOM123", FirstName: "John", LastName: "Doe", Phones: []string{"9891361006"},
		Emails: []string{"john.doe@gmail.com"}, VINs: []string{"1FTFW1E50PFA6C650709"}}
	if !reflect.DeepEqual(s.id, wantID) {
		t.Errorf("identity = %+v; want %+v", s.id, wantID)
	}
	wantBody := mykaarma.CustomerWithVehicles{
		Customer: mykaarma.Customer{CustomerKey: "DOM123", FirstName: "John", LastName: "Doe",
			PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006", Label: "work", OkToText: flag(true)}},
			Emails:       []mykaarma.Email{{EmailAddress: "john.doe@gmail.com"}}},
		Vehicles: []mykaarma.Vehicle{{VIN: "1FTFW1E50PFA6C650709"}, {VehicleMake: "NoVIN"}},
	}
	if !reflect.DeepEqual(s.body, wantBody) {
		t.Errorf("body = %+v; want %+v", s.body, wantBody)
	}
	wantWarn := []schemas.Warning{{Source: SourceLeadworker, Code: WarnInvalidPhone,
		Description: "phone ending in …99 is not a 10-digit North American number; not written"}}
	if !reflect.DeepEqual(s.warnings, wantWarn) {
		t.Errorf("warnings = %+v; want %+v", s.warnings, wantWarn)
	}
}

func TestEventSubject(t *testing.T) {
	t.Parallel()
	lead := &schemas.Event{EventType: schemas.TypeLead, Lead: &schemas.Lead{
		Customer: schemas.Customer{LastName: "Doe"}, Vehicle: &schemas.Vehicle{VIN: "abc"}}}
	if s := eventSubject(lead); s.id.LastName != "Doe" || !reflect.DeepEqual(s.id.VINs, []string{"ABC"}) {
		t.Errorf("lead subject = %+v", s.id)
	}
	cust := &schemas.Event{EventType: schemas.TypeCustomer, Customer: &schemas.Customer{LastName: "Roe"},
		Vehicles: []schemas.Vehicle{{VIN: "x1"}, {VIN: "x2"}}}
	if s := eventSubject(cust); s.id.LastName != "Roe" || !reflect.DeepEqual(s.id.VINs, []string{"X1", "X2"}) {
		t.Errorf("customer subject = %+v", s.id)
	}
}

func TestBuildLead(t *testing.T) {
	t.Parallel()
	l := &schemas.Lead{
		Customer: schemas.Customer{UUID: "upstream", LastName: "Doe", PhoneNumbers: []schemas.Phone{{PhoneNumber: "9891361006"}},
			Emails: []schemas.Email{{EmailAddress: "A@B.C", Label: "work"}}},
		Vehicle:         &schemas.Vehicle{UUID: "upstream-v", VIN: "1ftfw1e50pfa6c650709", Topic: "T"},
		DealerDetails:   schemas.DealerDetails{Name: "D", Source: "MMC"},
		Services:        []schemas.Service{{Name: "n", Code: "c"}},
		Status:          "NEW",
		LastContactDate: "2024-06-08 11:00:00Z",
		LeadID:          "L1",
		LeadType:        "RECALL",
	}
	s := newSubject(l.Customer, []schemas.Vehicle{*l.Vehicle})
	got := buildLead(l, s, "cust-1", map[string]string{"1FTFW1E50PFA6C650709": "veh-1"})
	want := &mykaarma.Lead{
		Customer: mykaarma.Customer{UUID: "cust-1", LastName: "Doe",
			PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006", Label: "mobile"}},
			Emails:       []mykaarma.Email{{EmailAddress: "a@b.c", Label: "work"}}},
		Vehicle:         &mykaarma.Vehicle{UUID: "veh-1", VIN: "1FTFW1E50PFA6C650709", Topic: "T"},
		DealerDetails:   mykaarma.DealerDetails{Name: "D", Source: "MMC"},
		Services:        []mykaarma.Service{{Name: "n", Code: "c"}},
		Status:          "NEW",
		LastContactDate: "2024-06-08 11:00:00Z",
		LeadID:          "L1",
		LeadType:        "RECALL",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("buildLead =\n%+v\nwant\n%+v", got, want)
	}
	if s.body.Customer.PhoneNumbers[0].Label != "" {
		t.Error("buildLead defaulted labels in the subject's own body")
	}
	if got := buildLead(l, s, "cust-1", nil); got.Vehicle.UUID != "" {
		t.Errorf("vehicle uuid without a stored vehicle = %q; want empty", got.Vehicle.UUID)
	}
}
