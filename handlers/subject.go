package handlers

import (
	"strings"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
)

// identity is what the decision tree compares: the normalised identifiers of the event's
// customer.
type identity struct {
	Key       string   // trimmed customerKey, "" when none
	FirstName string   // trimmed, NFC
	LastName  string   // trimmed, NFC
	Phones    []string // valid 10-digit numbers, deduplicated, in event order
	Emails    []string // trimmed and case-folded, deduplicated
	VINs      []string // trimmed and upper-cased, deduplicated
}

// subject is the event's customer normalised once per event: the identity to match on,
// the body to write (phones E.164, emails folded, VINs upper-cased, uuids cleared, labels
// as the event gave them: withDefaults adds the missing ones when writing), and the
// warnings normalisation raised.
type subject struct {
	id       identity
	body     mykaarma.CustomerWithVehicles
	warnings []schemas.Warning
}

// newSubject normalises an event's customer and vehicles. An upstream customer or vehicle
// uuid is dropped: only uuids myKaarma hands out during the flow are written. Blank phones
// and emails are dropped silently; a phone that does not reduce to 10 digits is dropped
// with an invalid-phone warning that shows its last two digits only.
func newSubject(c schemas.Customer, vehicles []schemas.Vehicle) subject {
	var s subject
	cu := mykaarma.Customer{
		CustomerKey:     normKey(c.CustomerKey),
		FirstName:       normName(c.FirstName),
		LastName:        normName(c.LastName),
		Company:         strings.TrimSpace(c.Company),
		IsBusiness:      c.IsBusiness,
		PreferredLocale: strings.TrimSpace(c.PreferredLocale),
	}
	var phones []mykaarma.Phone
	for _, p := range c.PhoneNumbers {
		if strings.TrimSpace(p.PhoneNumber) == "" {
			continue
		}
		d, ok := normPhone(p.PhoneNumber)
		if !ok {
			s.warnings = append(s.warnings, schemas.Warning{
				Source:      SourceLeadworker,
				Code:        WarnInvalidPhone,
				Description: "phone ending in " + maskPhone(p.PhoneNumber) + " is not a 10-digit North American number; not written",
			})
			continue
		}
		mp := mykaarma.Phone(p)
		mp.PhoneNumber = e164(d)
		phones = append(phones, mp)
	}
	cu.PhoneNumbers = mergePhones(nil, phones)

	var emails []mykaarma.Email
	for _, e := range c.Emails {
		if strings.TrimSpace(e.EmailAddress) == "" {
			continue
		}
		me := mykaarma.Email(e)
		me.EmailAddress = normEmail(e.EmailAddress)
		emails = append(emails, me)
	}
	cu.Emails = mergeEmails(nil, emails)

	var addrs []mykaarma.Address
	for _, a := range c.Addresses {
		addrs = append(addrs, mykaarma.Address(a))
	}
	cu.Addresses = mergeAddresses(nil, addrs)

	var vs []mykaarma.Vehicle
	for _, v := range vehicles {
		mv := mykaarma.Vehicle(v)
		mv.UUID = ""
		mv.VIN = normVIN(v.VIN)
		vs = append(vs, mv)
	}
	s.body = mykaarma.CustomerWithVehicles{Customer: cu, Vehicles: mergeVehicles(nil, vs)}

	s.id = identity{Key: cu.CustomerKey, FirstName: cu.FirstName, LastName: cu.LastName}
	for _, p := range cu.PhoneNumbers {
		d, _ := normPhone(p.PhoneNumber)
		s.id.Phones = append(s.id.Phones, d)
	}
	for _, e := range cu.Emails {
		s.id.Emails = append(s.id.Emails, e.EmailAddress)
	}
	for _, v := range s.body.Vehicles {
		if v.VIN != "" {
			s.id.VINs = append(s.id.VINs, v.VIN)
		}
	}
	return s
}

// eventSubject picks the customer of an event: a lead's customer with the lead's vehicle,
// or a customer event's customer with its vehicles.
func eventSubject(ev *schemas.Event) subject {
	if ev.Lead != nil {
		var vs []schemas.Vehicle
		if ev.Lead.Vehicle != nil {
			vs = []schemas.Vehicle{*ev.Lead.Vehicle}
		}
		return newSubject(ev.Lead.Customer, vs)
	}
	var c schemas.Customer
	if ev.Customer != nil {
		c = *ev.Customer
	}
	return newSubject(c, ev.Vehicles)
}
