package handlers

import (
	"slices"
	"testing"

	"github.com/leadworker/leadworker/schemas"
)

func TestIdentity(t *testing.T) {
	t.Parallel()
	const dept = "d1"
	lead := func(c schemas.Customer, vin string) *schemas.Event {
		ev := &schemas.Event{DepartmentUUID: dept, Lead: &schemas.Lead{Customer: c}}
		if vin != "" {
			ev.Lead.Vehicle = &schemas.Vehicle{VIN: vin}
		}
		return ev
	}
	tests := []struct {
		name string
		ev   *schemas.Event
		want []string
	}{
		{
			name: "key first, then last name with phone, email, VIN",
			ev: lead(schemas.Customer{CustomerKey: " DOM123 ", LastName: "Ortiz",
				PhoneNumbers: []schemas.Phone{{PhoneNumber: "+1 (650) 684-0111"}},
				Emails:       []schemas.Email{{EmailAddress: "Dom@Example.COM"}}}, "1ftfw1e50pfc10709"),
			want: []string{
				"d1\x00key\x00dom123",
				"d1\x00ortiz\x00phone\x006506840111",
				"d1\x00ortiz\x00email\x00dom@example.com",
				"d1\x00ortiz\x00vin\x001FTFW1E50PFC10709",
			},
		},
		{
			name: "a placeholder phone is no token",
			ev:   lead(schemas.Customer{LastName: "Ortiz", PhoneNumbers: []schemas.Phone{{PhoneNumber: "555-555-5555"}, {PhoneNumber: "(650) 684-0111"}}}, ""),
			want: []string{"d1\x00ortiz\x00phone\x006506840111"},
		},
		{
			name: "no key: last name with the first contact is primary",
			ev:   &schemas.Event{DepartmentUUID: dept, Customer: &schemas.Customer{LastName: "GARCÍA", Emails: []schemas.Email{{EmailAddress: "m@example.com"}}}},
			want: []string{"d1\x00garcía\x00email\x00m@example.com"},
		},
		{
			name: "no last name: only the key",
			ev:   lead(schemas.Customer{CustomerKey: "K1", PhoneNumbers: []schemas.Phone{{PhoneNumber: "6505550111"}}}, ""),
			want: []string{"d1\x00key\x00k1"},
		},
		{
			name: "nothing identifies it",
			ev:   lead(schemas.Customer{FirstName: "Ann", PhoneNumbers: []schemas.Phone{{PhoneNumber: "6505550111"}}}, ""),
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := identified(t, tt.ev).Tokens
			if !slices.Equal(got, tt.want) {
				t.Errorf("Identify().Tokens = %q; want %q", got, tt.want)
			}
			if again := identified(t, tt.ev).Tokens; !slices.Equal(again, got) {
				t.Errorf("Identify() is not stable: %q then %q", got, again)
			}
		})
	}
}
