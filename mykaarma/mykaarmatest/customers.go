package mykaarmatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/google/uuid"

	"github.com/leadworker/leadworker/mykaarma"
)

// Error codes of the customer API's errors list that the fake invents (the real ones are not
// documented).
const (
	ErrCodeCustomerNotFound = 90404
	ErrCodeMissingLabel     = 90001
	ErrCodeMissingName      = 90002
)

var e164 = regexp.MustCompile(`^\+1[0-9]{10}$`)

// envelope is the customer API's response; lists are never null.
type envelope struct {
	Errors       []mykaarma.Problem          `json:"errors"`
	Warnings     []mykaarma.Warning          `json:"warnings"`
	Matching     *[]mykaarma.MinimalCustomer `json:"matchingCustomers,omitempty"`
	Customer     *readPayload                `json:"customerWithVehicles,omitempty"`
	CustomerUUID string                      `json:"customerUuid,omitempty"`
}

// readPayload is a read's customerWithVehicles; vehicles is never omitted.
type readPayload struct {
	Customer mykaarma.Customer  `json:"customer"`
	Vehicles []mykaarma.Vehicle `json:"vehicles"`
}

func newEnvelope() envelope {
	return envelope{Errors: []mykaarma.Problem{}, Warnings: []mykaarma.Warning{}}
}

func (s *Server) read(w http.ResponseWriter, r *http.Request, dept, id string) {
	s.mu.Lock()
	c := s.findLocked(dept, id)
	var cp mykaarma.CustomerWithVehicles
	if c != nil {
		cp = cloneCWV(*c)
	}
	s.mu.Unlock()
	if c == nil {
		writeNotFound(w, id)
		return
	}
	if cp.Vehicles == nil {
		cp.Vehicles = []mykaarma.Vehicle{}
	}
	env := newEnvelope()
	env.Customer = &readPayload{Customer: cp.Customer, Vehicles: cp.Vehicles}
	writeJSON(w, http.StatusOK, env)
}

func writeNotFound(w http.ResponseWriter, id string) {
	env := newEnvelope()
	env.Errors = append(env.Errors, mykaarma.Problem{
		Code: ErrCodeCustomerNotFound, Title: "CUSTOMER_NOT_FOUND", Message: "No customer with uuid " + id,
	})
	writeJSON(w, http.StatusNotFound, env)
}

// decodeCustomer reads a create or update body; ok is false when a response has been written.
func (s *Server) decodeCustomer(w http.ResponseWriter, r *http.Request, body []byte) (mykaarma.CustomerWithVehicles, bool) {
	var in mykaarma.CustomerWithVehicles
	if err := json.Unmarshal(body, &in); err != nil {
		s.writeFramework(w, r, http.StatusBadRequest, "JSON parse error: "+err.Error())
		return in, false
	}
	return in, true
}

// validateCustomer returns the business errors of a create or update body.
func validateCustomer(c mykaarma.Customer, needName bool) []mykaarma.Problem {
	var probs []mykaarma.Problem
	if needName && c.FirstName == "" && c.LastName == "" && c.Company == "" {
		probs = append(probs, mykaarma.Problem{Code: ErrCodeMissingName, Title: "MISSING_NAME", Message: "one of firstName, lastName or company is required"})
	}
	for i, e := range c.Emails {
		if e.Label == "" {
			probs = append(probs, mykaarma.Problem{Code: ErrCodeMissingLabel, Title: "MISSING_LABEL", Message: fmt.Sprintf("emails[%d].label is required", i)})
		}
	}
	for i, p := range c.PhoneNumbers {
		if p.Label == "" {
			probs = append(probs, mykaarma.Problem{Code: ErrCodeMissingLabel, Title: "MISSING_LABEL", Message: fmt.Sprintf("phoneNumbers[%d].label is required", i)})
		}
	}
	return probs
}

// keepE164 drops phones that are not +1 and 10 digits, with a warning each.
func keepE164(phones []mykaarma.Phone) ([]mykaarma.Phone, []mykaarma.Warning) {
	var kept []mykaarma.Phone
	var warns []mykaarma.Warning
	for _, p := range phones {
		if e164.MatchString(p.PhoneNumber) {
			kept = append(kept, p)
			continue
		}
		warns = append(warns, mykaarma.Warning{
			Code: mykaarma.WarningPhoneNotE164, Title: "INVALID_PHONE_NUMBER",
			Message: fmt.Sprintf("phone number %q is not in +1XXXXXXXXXX form and was dropped", p.PhoneNumber),
		})
	}
	return kept, warns
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, dept string, body []byte) {
	in, ok := s.decodeCustomer(w, r, body)
	if !ok {
		return
	}
	env := newEnvelope()
	if probs := validateCustomer(in.Customer, true); len(probs) > 0 {
		env.Errors = probs
		writeJSON(w, http.StatusOK, env)
		return
	}
	c := cloneCWV(in)
	var warns []mykaarma.Warning
	c.Customer.PhoneNumbers, warns = keepE164(c.Customer.PhoneNumbers)
	env.Warnings = append(env.Warnings, warns...)
	c.Customer.UUID = uuid.NewString()
	for i := range c.Vehicles {
		c.Vehicles[i].UUID = uuid.NewString()
	}
	s.mu.Lock()
	s.storeLocked(dept, &c)
	s.mu.Unlock()
	env.CustomerUUID = c.Customer.UUID
	writeJSON(w, http.StatusOK, env)
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, dept, id string, body []byte) {
	in, ok := s.decodeCustomer(w, r, body)
	if !ok {
		return
	}
	env := newEnvelope()
	if probs := validateCustomer(in.Customer, false); len(probs) > 0 {
		env.Errors = probs
		writeJSON(w, http.StatusOK, env)
		return
	}
	in = cloneCWV(in)
	phones, warns := keepE164(in.Customer.PhoneNumbers)
	env.Warnings = append(env.Warnings, warns...)

	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.findLocked(dept, id)
	if c == nil {
		writeNotFound(w, id)
		return
	}
	cu := &c.Customer
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&cu.FirstName, in.Customer.FirstName},
		{&cu.LastName, in.Customer.LastName},
		{&cu.Company, in.Customer.Company},
		{&cu.CustomerKey, in.Customer.CustomerKey},
		{&cu.PreferredLocale, in.Customer.PreferredLocale},
	} {
		if f.src != "" {
			*f.dst = f.src
		}
	}
	cu.IsBusiness = in.Customer.IsBusiness
	cu.Addresses = in.Customer.Addresses
	hadPhones, hadEmails := len(cu.PhoneNumbers) > 0, len(cu.Emails) > 0
	cu.PhoneNumbers = phones
	if len(in.Customer.PhoneNumbers) == 0 && hadPhones {
		env.Warnings = append(env.Warnings, mykaarma.Warning{
			Code: mykaarma.WarningAllPhonesDeleted, Title: "ALL_PHONES_DELETED", Message: "phoneNumbers was empty: all phone numbers deleted",
		})
	}
	cu.Emails = in.Customer.Emails
	if len(in.Customer.Emails) == 0 && hadEmails {
		env.Warnings = append(env.Warnings, mykaarma.Warning{
			Code: mykaarma.WarningAllEmailsDeleted, Title: "ALL_EMAILS_DELETED", Message: "emails was empty: all emails deleted",
		})
	}
	for _, v := range in.Vehicles {
		mergeVehicle(c, v)
	}
	s.reindexLocked(dept, c)
	env.CustomerUUID = cu.UUID
	writeJSON(w, http.StatusOK, env)
}

// mergeVehicle updates the vehicle matching v by uuid or VIN, or adds v with a new uuid.
func mergeVehicle(c *mykaarma.CustomerWithVehicles, v mykaarma.Vehicle) {
	for i := range c.Vehicles {
		old := &c.Vehicles[i]
		if (v.UUID != "" && v.UUID == old.UUID) || (v.VIN != "" && strings.EqualFold(v.VIN, old.VIN)) {
			for _, f := range []struct {
				dst *string
				src string
			}{
				{&old.TrackingID, v.TrackingID}, {&old.Topic, v.Topic}, {&old.Description, v.Description},
				{&old.VIN, v.VIN}, {&old.VehicleYear, v.VehicleYear}, {&old.VehicleMake, v.VehicleMake},
				{&old.VehicleModel, v.VehicleModel}, {&old.EstimatedMileage, v.EstimatedMileage},
				{&old.VehicleKey, v.VehicleKey}, {&old.VehicleTrim, v.VehicleTrim},
				{&old.LicensePlate, v.LicensePlate}, {&old.Color, v.Color}, {&old.VehicleEngine, v.VehicleEngine},
			} {
				if f.src != "" {
					*f.dst = f.src
				}
			}
			return
		}
	}
	v.UUID = uuid.NewString()
	c.Vehicles = append(c.Vehicles, v)
}
