package handlers

import (
	"reflect"
	"testing"

	"github.com/leadworker/leadworker/mykaarma"
)

func flag(b bool) *bool { return &b }

func TestMergeCustomer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		stored, ev mykaarma.CustomerWithVehicles
		want       mykaarma.CustomerWithVehicles
	}{
		{
			name: "scalars: non-empty event fields win, isBusiness only turns on",
			stored: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{UUID: "u1", CustomerKey: "", FirstName: "Jon",
				LastName: "Doe", Company: "Acme", IsBusiness: true, PreferredLocale: "en-us"}},
			ev: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{CustomerKey: "DOM123", FirstName: "John",
				PreferredLocale: "es-us"}},
			want: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{UUID: "u1", CustomerKey: "DOM123", FirstName: "John",
				LastName: "Doe", Company: "Acme", IsBusiness: true, PreferredLocale: "es-us"}},
		},
		{
			name:   "event isBusiness true wins",
			stored: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{LastName: "Doe"}},
			ev:     mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{IsBusiness: true}},
			want:   mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{LastName: "Doe", IsBusiness: true}},
		},
		{
			name: "phones: union by 10 digits, stored label kept, event flags win, E.164, defaults",
			stored: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{PhoneNumbers: []mykaarma.Phone{
				{PhoneNumber: "(989) 136-1006", Label: "work", OkToCall: flag(true), OkToText: flag(true)},
				{PhoneNumber: "+11112223333"},
				{PhoneNumber: "123"},
			}}},
			ev: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{PhoneNumbers: []mykaarma.Phone{
				{PhoneNumber: "+19891361006", OkToText: flag(false)},
				{PhoneNumber: "+14445556666", Label: "home"},
			}}},
			want: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{PhoneNumbers: []mykaarma.Phone{
				{PhoneNumber: "+19891361006", Label: "work", OkToCall: flag(true), OkToText: flag(false)},
				{PhoneNumber: "+11112223333", Label: "mobile"},
				{PhoneNumber: "123", Label: "mobile"},
				{PhoneNumber: "+14445556666", Label: "home"},
			}}},
		},
		{
			name: "phones: event label wins over stored label",
			stored: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{PhoneNumbers: []mykaarma.Phone{
				{PhoneNumber: "+19891361006", Label: "work"}}}},
			ev: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{PhoneNumbers: []mykaarma.Phone{
				{PhoneNumber: "+19891361006", Label: "home", IsPreferred: flag(true)}}}},
			want: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{PhoneNumbers: []mykaarma.Phone{
				{PhoneNumber: "+19891361006", Label: "home", IsPreferred: flag(true)}}}},
		},
		{
			name: "emails: union by folded address, stored spelling kept",
			stored: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{Emails: []mykaarma.Email{
				{EmailAddress: "John.Doe@Gmail.com", Label: "work", OkToEmail: flag(true)},
				{EmailAddress: "old@x.com"},
			}}},
			ev: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{Emails: []mykaarma.Email{
				{EmailAddress: "john.doe@gmail.com", OkToEmail: flag(false)},
				{EmailAddress: "new@x.com"},
			}}},
			want: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{Emails: []mykaarma.Email{
				{EmailAddress: "John.Doe@Gmail.com", Label: "work", OkToEmail: flag(false)},
				{EmailAddress: "old@x.com", Label: "personal"},
				{EmailAddress: "new@x.com", Label: "personal"},
			}}},
		},
		{
			name: "event without phones or emails keeps the stored ones",
			stored: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{
				PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006", Label: "mobile"}},
				Emails:       []mykaarma.Email{{EmailAddress: "a@b.c", Label: "personal"}}}},
			ev: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{FirstName: "John"}},
			want: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{FirstName: "John",
				PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006", Label: "mobile"}},
				Emails:       []mykaarma.Email{{EmailAddress: "a@b.c", Label: "personal"}}}},
		},
		{
			name: "addresses: by line1, city, zip ignoring case and spacing",
			stored: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{Addresses: []mykaarma.Address{
				{Line1: "1 Main  St", City: "Springfield", Zip: "12345", State: "IL"},
				{Line1: "9 Elm", City: "Shelbyville", Zip: "54321"},
			}}},
			ev: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{Addresses: []mykaarma.Address{
				{Line1: "1 MAIN ST", City: "springfield", Zip: "12345", Line2: "Apt 2", IsPreferred: flag(true)},
				{Line1: "1 Main St", City: "Springfield", Zip: "99999"},
			}}},
			want: mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{Addresses: []mykaarma.Address{
				{Line1: "1 MAIN ST", Line2: "Apt 2", City: "springfield", Zip: "12345", State: "IL", IsPreferred: flag(true)},
				{Line1: "9 Elm", City: "Shelbyville", Zip: "54321"},
				{Line1: "1 Main St", City: "Springfield", Zip: "99999"},
			}}},
		},
		{
			name: "vehicles: by upper VIN, stored uuid kept, vehicles without VIN kept as given",
			stored: mykaarma.CustomerWithVehicles{Vehicles: []mykaarma.Vehicle{
				{UUID: "v1", VIN: "1ftfw1e50pfa6c650709", VehicleMake: "Ford", Color: "red"},
				{UUID: "v2", VehicleMake: "Bike"},
			}},
			ev: mykaarma.CustomerWithVehicles{Vehicles: []mykaarma.Vehicle{
				{VIN: "1FTFW1E50PFA6C650709", Color: "blue", EstimatedMileage: "1000"},
				{VehicleMake: "Boat"},
				{VIN: "5YJ3E1EA7KF317000", VehicleMake: "Tesla"},
			}},
			want: mykaarma.CustomerWithVehicles{Vehicles: []mykaarma.Vehicle{
				{UUID: "v1", VIN: "1FTFW1E50PFA6C650709", VehicleMake: "Ford", Color: "blue", EstimatedMileage: "1000"},
				{UUID: "v2", VehicleMake: "Bike"},
				{VehicleMake: "Boat"},
				{VIN: "5YJ3E1EA7KF317000", VehicleMake: "Tesla"},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mergeCustomer(tt.stored, tt.ev)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("mergeCustomer =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestMergeNeverShrinksContacts(t *testing.T) {
	t.Parallel()
	stored := mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{
		PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006"}, {PhoneNumber: "+11112223333"}},
		Emails:       []mykaarma.Email{{EmailAddress: "a@b.c"}},
	}}
	for _, ev := range []mykaarma.CustomerWithVehicles{
		{},
		{Customer: mykaarma.Customer{PhoneNumbers: []mykaarma.Phone{}, Emails: []mykaarma.Email{}}},
		{Customer: mykaarma.Customer{PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006"}}}},
	} {
		got := mergeCustomer(stored, ev)
		if len(got.Customer.PhoneNumbers) < 2 || len(got.Customer.Emails) < 1 {
			t.Errorf("mergeCustomer(stored, %+v) lost contacts: %+v", ev, got.Customer)
		}
	}
}

func TestMergeDoesNotAliasStored(t *testing.T) {
	t.Parallel()
	stored := mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006"}}}}
	_ = mergeCustomer(stored, mykaarma.CustomerWithVehicles{})
	if stored.Customer.PhoneNumbers[0].Label != "" {
		t.Errorf("mergeCustomer wrote into the stored customer: %+v", stored.Customer.PhoneNumbers)
	}
}
