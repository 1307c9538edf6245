package examples

import "github.com/leadworker/leadworker/mykaarma"

// Department is the dealer department of every sample event.
const Department = "7d3f0a52-5c1e-4f7a-9a1b-2e8c4d6f0a11"

// Customer is one customer myKaarma must already have for the samples to show
// their match rules.
type Customer struct {
	// Shows says who it is, with the contact that matters masked, as the
	// demo prints it.
	Shows string
	mykaarma.CustomerWithVehicles
}

// Customers returns the customers that `leadworker demo` and
// `mykaarma-fake -load examples` seed, in Department: the samples match
// them by customerKey, last name and phone, last name and VIN, and one
// carries a placeholder phone that must not match.
func Customers() []Customer {
	return []Customer{
		{"Ortiz (customerKey DOM123)", mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{
			FirstName: "Dominic", LastName: "Ortiz", CustomerKey: "DOM123",
			PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+16505550111", Label: "mobile"}},
		}}},
		{"Doe (no key, phone ***1006)", mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{
			FirstName: "John", LastName: "Doe",
			PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006", Label: "mobile"}},
			Emails:       []mykaarma.Email{{EmailAddress: "john.doe@example.com", Label: "personal"}},
		}}},
		{"GARCÍA (no key, VIN ***C10709)", mykaarma.CustomerWithVehicles{
			Customer: mykaarma.Customer{FirstName: "MARÍA", LastName: "GARCÍA"},
			Vehicles: []mykaarma.Vehicle{{VIN: "1FTFW1E50PFC10709", VehicleMake: "Ford", VehicleModel: "F-150"}},
		}},
		{"Smithson (no key, placeholder phone 555-555-5555)", mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{
			FirstName: "Adam", LastName: "Smithson",
			PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+15555555555", Label: "mobile"}},
		}}},
	}
}
