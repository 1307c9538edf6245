package handlers

import (
	"slices"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
)

// buildLead is the save-lead body: the event's lead with its customer normalised (phones
// E.164, labels defaulted) and pointed at customerUUID, and its vehicle pointed at the
// stored customer's vehicle with the same VIN (vehicles, from the read before the update).
// Without such a vehicle, vehicle.uuid is left empty: an upstream uuid is not trusted.
func buildLead(l *schemas.Lead, s subject, customerUUID string, vehicles map[string]string) *mykaarma.Lead {
	c := writable(mykaarma.CustomerWithVehicles{Customer: s.body.Customer}).Customer
	c.UUID = customerUUID
	out := &mykaarma.Lead{
		Customer:        c,
		DealerDetails:   mykaarma.DealerDetails(l.DealerDetails),
		Services:        make([]mykaarma.Service, 0, len(l.Services)),
		Status:          l.Status,
		LastContactDate: l.LastContactDate,
		LeadID:          l.LeadID,
		LeadType:        l.LeadType,
	}
	for _, sv := range l.Services {
		out.Services = append(out.Services, mykaarma.Service(sv))
	}
	if l.Vehicle != nil {
		v := mykaarma.Vehicle(*l.Vehicle)
		v.VIN = normVIN(v.VIN)
		v.UUID = vehicles[v.VIN]
		if v.VIN == "" {
			v.UUID = ""
		}
		out.Vehicle = &v
	}
	return out
}

// writable returns a copy of a normalised body that shares no list with it, with phone
// and email labels defaulted: the create body, and the base of the lead's customer.
func writable(b mykaarma.CustomerWithVehicles) mykaarma.CustomerWithVehicles {
	b.Customer.PhoneNumbers = slices.Clone(b.Customer.PhoneNumbers)
	b.Customer.Emails = slices.Clone(b.Customer.Emails)
	b.Customer.Addresses = slices.Clone(b.Customer.Addresses)
	b.Vehicles = slices.Clone(b.Vehicles)
	withDefaults(&b.Customer)
	return b
}
