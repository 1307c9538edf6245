package handlers

import (
	"strings"

	"github.com/leadworker/leadworker/mykaarma"
)

// Labels written when neither the stored customer nor the event gives one.
const (
	defaultPhoneLabel = "mobile"
	defaultEmailLabel = "personal"
)

// mergeCustomer merges the event's normalised customer into the stored one for an update.
// Update replaces lists, so every stored phone, email, address and vehicle is kept and the
// event's are added: phones are the same when their 10 digits are, emails when their
// case-folded addresses are, addresses when line1, city and zip are (case and spacing
// ignored), vehicles when their upper-cased VINs are; vehicles without a VIN are kept as
// given. For a duplicate, the event's non-empty fields and non-nil flags win. A non-empty
// event scalar (first and last name, company, locale, customerKey) wins; isBusiness
// becomes true when the event says so. Labels are defaulted (withDefaults).
func mergeCustomer(stored, ev mykaarma.CustomerWithVehicles) mykaarma.CustomerWithVehicles {
	out := stored
	c, e := &out.Customer, &ev.Customer
	c.CustomerKey = either(e.CustomerKey, c.CustomerKey)
	c.FirstName = either(e.FirstName, c.FirstName)
	c.LastName = either(e.LastName, c.LastName)
	c.Company = either(e.Company, c.Company)
	c.PreferredLocale = either(e.PreferredLocale, c.PreferredLocale)
	c.IsBusiness = c.IsBusiness || e.IsBusiness
	c.PhoneNumbers = mergePhones(stored.Customer.PhoneNumbers, e.PhoneNumbers)
	c.Emails = mergeEmails(stored.Customer.Emails, e.Emails)
	c.Addresses = mergeAddresses(stored.Customer.Addresses, e.Addresses)
	out.Vehicles = mergeVehicles(stored.Vehicles, ev.Vehicles)
	withDefaults(c)
	return out
}

// withDefaults gives every phone and email a label. The lists must not be shared with
// another customer value (the merge functions always return fresh ones).
func withDefaults(c *mykaarma.Customer) {
	for i := range c.PhoneNumbers {
		c.PhoneNumbers[i].Label = either(c.PhoneNumbers[i].Label, defaultPhoneLabel)
	}
	for i := range c.Emails {
		c.Emails[i].Label = either(c.Emails[i].Label, defaultEmailLabel)
	}
}

// mergeBy returns a fresh list: stored, then incoming, with an incoming entry whose key
// equals an earlier entry's combined into it. Entries without a key are kept as given.
func mergeBy[T any](stored, incoming []T, key func(T) (string, bool), combine func(old, new T) T) []T {
	out := make([]T, 0, len(stored)+len(incoming))
	at := map[string]int{}
	for _, list := range [][]T{stored, incoming} {
		for _, x := range list {
			k, ok := key(x)
			if !ok {
				out = append(out, x)
				continue
			}
			if i, dup := at[k]; dup {
				out[i] = combine(out[i], x)
				continue
			}
			at[k] = len(out)
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// mergePhones merges phones by their 10 digits and writes them E.164. A stored phone that
// does not normalise is kept as stored: it is not leadworker's to delete.
func mergePhones(stored, incoming []mykaarma.Phone) []mykaarma.Phone {
	out := mergeBy(stored, incoming, func(p mykaarma.Phone) (string, bool) {
		d, ok := normPhone(p.PhoneNumber)
		if !ok {
			return "", false
		}
		return d, true
	}, func(old, p mykaarma.Phone) mykaarma.Phone {
		old.Label = either(p.Label, old.Label)
		old.OkToCall = eitherFlag(p.OkToCall, old.OkToCall)
		old.OkToText = eitherFlag(p.OkToText, old.OkToText)
		old.IsPreferred = eitherFlag(p.IsPreferred, old.IsPreferred)
		return old
	})
	for i := range out {
		if d, ok := normPhone(out[i].PhoneNumber); ok {
			out[i].PhoneNumber = e164(d)
		}
	}
	return out
}

// mergeEmails merges emails by their case-folded address; a stored address keeps its
// spelling.
func mergeEmails(stored, incoming []mykaarma.Email) []mykaarma.Email {
	return mergeBy(stored, incoming, func(e mykaarma.Email) (string, bool) {
		k := normEmail(e.EmailAddress)
		return k, k != ""
	}, func(old, e mykaarma.Email) mykaarma.Email {
		old.Label = either(e.Label, old.Label)
		old.OkToEmail = eitherFlag(e.OkToEmail, old.OkToEmail)
		old.IsPreferred = eitherFlag(e.IsPreferred, old.IsPreferred)
		return old
	})
}

// mergeAddresses merges addresses by line1, city and zip, ignoring case and spacing.
func mergeAddresses(stored, incoming []mykaarma.Address) []mykaarma.Address {
	return mergeBy(stored, incoming, func(a mykaarma.Address) (string, bool) {
		return squash(a.Line1) + "\x00" + squash(a.City) + "\x00" + squash(a.Zip), true
	}, func(old, a mykaarma.Address) mykaarma.Address {
		old.Line1 = either(a.Line1, old.Line1)
		old.Line2 = either(a.Line2, old.Line2)
		old.City = either(a.City, old.City)
		old.Zip = either(a.Zip, old.Zip)
		old.AddressType = either(a.AddressType, old.AddressType)
		old.Type = either(a.Type, old.Type)
		old.Country = either(a.Country, old.Country)
		old.State = either(a.State, old.State)
		old.IsValid = eitherFlag(a.IsValid, old.IsValid)
		old.IsPreferred = eitherFlag(a.IsPreferred, old.IsPreferred)
		return old
	})
}

// mergeVehicles merges vehicles by upper-cased VIN; a stored vehicle keeps its uuid.
func mergeVehicles(stored, incoming []mykaarma.Vehicle) []mykaarma.Vehicle {
	return mergeBy(stored, incoming, func(v mykaarma.Vehicle) (string, bool) {
		k := normVIN(v.VIN)
		return k, k != ""
	}, func(old, v mykaarma.Vehicle) mykaarma.Vehicle {
		old.UUID = either(old.UUID, v.UUID)
		old.TrackingID = either(v.TrackingID, old.TrackingID)
		old.Topic = either(v.Topic, old.Topic)
		old.Description = either(v.Description, old.Description)
		old.VIN = normVIN(old.VIN)
		old.VehicleYear = either(v.VehicleYear, old.VehicleYear)
		old.VehicleMake = either(v.VehicleMake, old.VehicleMake)
		old.VehicleModel = either(v.VehicleModel, old.VehicleModel)
		old.EstimatedMileage = either(v.EstimatedMileage, old.EstimatedMileage)
		old.VehicleKey = either(v.VehicleKey, old.VehicleKey)
		old.VehicleTrim = either(v.VehicleTrim, old.VehicleTrim)
		old.LicensePlate = either(v.LicensePlate, old.LicensePlate)
		old.Color = either(v.Color, old.Color)
		old.VehicleEngine = either(v.VehicleEngine, old.VehicleEngine)
		return old
	})
}

// either returns a unless it is blank, else b.
func either(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

// eitherFlag returns a unless it is nil, else b.
func eitherFlag(a, b *bool) *bool {
	if a != nil {
		return a
	}
	return b
}

// squash folds case and collapses spacing for address comparison.
func squash(s string) string { return strings.Join(strings.Fields(fold(s)), " ") }
