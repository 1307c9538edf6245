package mykaarmatest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

func warningCodes(ws []mykaarma.Warning) []int {
	var out []int
	for _, w := range ws {
		out = append(out, w.Code)
	}
	return out
}

func TestCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		body        mykaarma.CustomerWithVehicles
		wantProblem int // 0 = stored
		wantWarn    []int
		wantPhones  int
	}{
		{name: "valid", body: mykaarma.CustomerWithVehicles{
			Customer: mykaarma.Customer{LastName: "Doe", PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006", Label: "CELL"}}},
			Vehicles: []mykaarma.Vehicle{{VIN: "V1"}, {VIN: "V2"}},
		}, wantPhones: 1},
		{name: "non e164 phones dropped", body: mykaarma.CustomerWithVehicles{
			Customer: mykaarma.Customer{FirstName: "A", PhoneNumbers: []mykaarma.Phone{
				{PhoneNumber: "9891361006", Label: "CELL"}, {PhoneNumber: "+19891361006", Label: "CELL"}, {PhoneNumber: "+4930123456", Label: "WORK"},
			}},
		}, wantWarn: []int{mykaarma.WarningPhoneNotE164, mykaarma.WarningPhoneNotE164}, wantPhones: 1},
		{name: "company only", body: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{Company: "Acme"}}},
		{name: "no name", body: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{CustomerKey: "K"}},
			wantProblem: mykaarmatest.ErrCodeMissingName},
		{name: "email without label", body: mykaarma.CustomerWithVehicles{
			Customer: mykaarma.Customer{LastName: "Doe", Emails: []mykaarma.Email{{EmailAddress: "a@b.c"}}},
		}, wantProblem: mykaarmatest.ErrCodeMissingLabel},
		{name: "phone without label", body: mykaarma.CustomerWithVehicles{
			Customer: mykaarma.Customer{LastName: "Doe", PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006"}}},
		}, wantProblem: mykaarmatest.ErrCodeMissingLabel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
			res, err := newClient(t, s).CreateCustomer(context.Background(), dept, &tt.body)
			if tt.wantProblem != 0 {
				var e *mykaarma.Error
				if !errors.As(err, &e) || !errors.Is(err, mykaarma.ErrRejected) || e.StatusCode != http.StatusOK {
					t.Fatalf("CreateCustomer error = %v; want a rejected 200", err)
				}
				if len(e.Problems) == 0 || e.Problems[0].Code != tt.wantProblem {
					t.Errorf("Problems = %+v; want code %d", e.Problems, tt.wantProblem)
				}
				if n := s.CustomerCount(); n != 0 {
					t.Errorf("CustomerCount() = %d; want 0", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateCustomer error: %v", err)
			}
			if got := warningCodes(res.Warnings); len(got) != len(tt.wantWarn) {
				t.Errorf("warnings = %v; want %v", got, tt.wantWarn)
			}
			got, ok := s.Customer(dept, res.CustomerUUID)
			if !ok {
				t.Fatalf("created customer %s not stored", res.CustomerUUID)
			}
			if len(got.Customer.PhoneNumbers) != tt.wantPhones {
				t.Errorf("stored phones = %v; want %d", got.Customer.PhoneNumbers, tt.wantPhones)
			}
			for _, v := range got.Vehicles {
				if v.UUID == "" {
					t.Errorf("vehicle %s has no uuid", v.VIN)
				}
			}
		})
	}
}

func TestUpdateReplaceSemantics(t *testing.T) {
	t.Parallel()
	base := mykaarma.CustomerWithVehicles{
		Customer: mykaarma.Customer{CustomerKey: "K1", FirstName: "John", LastName: "Doe",
			PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006", Label: "CELL"}},
			Emails:       []mykaarma.Email{{EmailAddress: "john@x.com", Label: "HOME"}},
			Addresses:    []mykaarma.Address{{Line1: "1 Main St"}}},
		Vehicles: []mykaarma.Vehicle{{VIN: "VIN-ONE", VehicleMake: "Ford"}},
	}
	tests := []struct {
		name     string
		edit     func(c *mykaarma.CustomerWithVehicles)
		wantWarn []int
		check    func(t *testing.T, got mykaarma.CustomerWithVehicles)
	}{
		{name: "full body keeps everything", edit: func(*mykaarma.CustomerWithVehicles) {},
			check: func(t *testing.T, got mykaarma.CustomerWithVehicles) {
				if len(got.Customer.PhoneNumbers) != 1 || len(got.Customer.Emails) != 1 || len(got.Vehicles) != 1 {
					t.Errorf("customer = %+v; want one phone, email and vehicle", got)
				}
			}},
		{name: "empty phones delete all", edit: func(c *mykaarma.CustomerWithVehicles) { c.Customer.PhoneNumbers = nil },
			wantWarn: []int{mykaarma.WarningAllPhonesDeleted},
			check: func(t *testing.T, got mykaarma.CustomerWithVehicles) {
				if len(got.Customer.PhoneNumbers) != 0 || len(got.Customer.Emails) != 1 {
					t.Errorf("phones, emails = %v, %v; want none, one", got.Customer.PhoneNumbers, got.Customer.Emails)
				}
			}},
		{name: "empty emails delete all", edit: func(c *mykaarma.CustomerWithVehicles) { c.Customer.Emails = []mykaarma.Email{} },
			wantWarn: []int{mykaarma.WarningAllEmailsDeleted},
			check: func(t *testing.T, got mykaarma.CustomerWithVehicles) {
				if len(got.Customer.Emails) != 0 {
					t.Errorf("emails = %v; want none", got.Customer.Emails)
				}
			}},
		{name: "addresses replaced", edit: func(c *mykaarma.CustomerWithVehicles) {
			c.Customer.Addresses = []mykaarma.Address{{Line1: "2 Side St"}, {Line1: "3 Back St"}}
		}, check: func(t *testing.T, got mykaarma.CustomerWithVehicles) {
			if len(got.Customer.Addresses) != 2 || got.Customer.Addresses[0].Line1 != "2 Side St" {
				t.Errorf("addresses = %+v; want the two new ones", got.Customer.Addresses)
			}
		}},
		{name: "vehicles matched by vin, added, never deleted", edit: func(c *mykaarma.CustomerWithVehicles) {
			c.Vehicles = []mykaarma.Vehicle{{VIN: "vin-one", VehicleModel: "F-150"}, {VIN: "VIN-TWO"}}
		}, check: func(t *testing.T, got mykaarma.CustomerWithVehicles) {
			if len(got.Vehicles) != 2 {
				t.Fatalf("vehicles = %+v; want 2", got.Vehicles)
			}
			if v := got.Vehicles[0]; v.VehicleMake != "Ford" || v.VehicleModel != "F-150" {
				t.Errorf("matched vehicle = %+v; want make kept and model set", v)
			}
			if got.Vehicles[1].UUID == "" {
				t.Errorf("added vehicle has no uuid")
			}
		}},
		{name: "no vehicles deletes none", edit: func(c *mykaarma.CustomerWithVehicles) { c.Vehicles = nil },
			check: func(t *testing.T, got mykaarma.CustomerWithVehicles) {
				if len(got.Vehicles) != 1 {
					t.Errorf("vehicles = %+v; want the stored one kept", got.Vehicles)
				}
			}},
		{name: "invalid phone dropped", edit: func(c *mykaarma.CustomerWithVehicles) {
			c.Customer.PhoneNumbers = append(c.Customer.PhoneNumbers, mykaarma.Phone{PhoneNumber: "555-1234", Label: "HOME"})
		}, wantWarn: []int{mykaarma.WarningPhoneNotE164}, check: func(t *testing.T, got mykaarma.CustomerWithVehicles) {
			if len(got.Customer.PhoneNumbers) != 1 {
				t.Errorf("phones = %v; want the valid one only", got.Customer.PhoneNumbers)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
			id := s.AddCustomer(dept, base)
			body, _ := s.Customer(dept, id)
			tt.edit(&body)
			res, err := newClient(t, s).UpdateCustomer(context.Background(), dept, id, &body)
			if err != nil {
				t.Fatalf("UpdateCustomer error: %v", err)
			}
			if res.CustomerUUID != id {
				t.Errorf("customerUuid = %q; want %q", res.CustomerUUID, id)
			}
			if got := warningCodes(res.Warnings); len(got) != len(tt.wantWarn) || (len(got) > 0 && got[0] != tt.wantWarn[0]) {
				t.Errorf("warnings = %v; want %v", got, tt.wantWarn)
			}
			got, _ := s.Customer(dept, id)
			tt.check(t, got)
		})
	}
}

func TestUnknownCustomer(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	id := s.AddCustomer("dept-2", mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{LastName: "Doe"}})
	c := newClient(t, s)
	body := mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{LastName: "Doe"}}
	calls := map[string]func() error{
		"read": func() error { _, err := c.GetCustomer(context.Background(), dept, id); return err },
		"update": func() error {
			_, err := c.UpdateCustomer(context.Background(), dept, "nope", &body)
			return err
		},
	}
	for name, call := range calls {
		var e *mykaarma.Error
		if err := call(); !errors.As(err, &e) || e.StatusCode != 404 || len(e.Problems) != 1 || e.Problems[0].Code != mykaarmatest.ErrCodeCustomerNotFound {
			t.Errorf("%s of unknown customer error = %v; want 404 with code %d", name, err, mykaarmatest.ErrCodeCustomerNotFound)
		}
	}
}

func TestReadShape(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	id := s.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{LastName: "Doe"}})
	status, body := do(t, s, http.MethodGet, "/customer/v2/department/"+dept+"/customer/"+id, nil, nil)
	if status != 200 {
		t.Fatalf("read status = %d; want 200", status)
	}
	cwv, ok := body["customerWithVehicles"].(map[string]any)
	if !ok {
		t.Fatalf("read body = %v; want customerWithVehicles", body)
	}
	if cu := cwv["customer"].(map[string]any); cu["uuid"] != id || cu["lastName"] != "Doe" {
		t.Errorf("customer = %v; want uuid %s and lastName Doe", cu, id)
	}
	if v, ok := cwv["vehicles"].([]any); !ok || len(v) != 0 {
		t.Errorf("vehicles = %#v; want []", cwv["vehicles"])
	}
}
