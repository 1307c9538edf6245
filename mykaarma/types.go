package mykaarma

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Customer is a myKaarma customer as the create, update and read calls carry it
// (the customer object of "How to save a lead").
type Customer struct {
	UUID            string    `json:"uuid,omitempty"`
	CustomerKey     string    `json:"customerKey,omitempty"`
	FirstName       string    `json:"firstName,omitempty"`
	LastName        string    `json:"lastName,omitempty"`
	Company         string    `json:"company,omitempty"`
	IsBusiness      bool      `json:"isBusiness"`
	Addresses       []Address `json:"addresses,omitempty"`
	PreferredLocale string    `json:"preferredLocale,omitempty"`
	Emails          []Email   `json:"emails,omitempty"`
	PhoneNumbers    []Phone   `json:"phoneNumbers,omitempty"`
}

// Address is one postal address of a customer.
type Address struct {
	Line1       string `json:"line1,omitempty"`
	Line2       string `json:"line2,omitempty"`
	City        string `json:"city,omitempty"`
	Zip         string `json:"zip,omitempty"`
	AddressType string `json:"addressType,omitempty"`
	Type        string `json:"type,omitempty"` // COMMON, PRIMARY or BILLING
	Country     string `json:"country,omitempty"`
	IsValid     *bool  `json:"isValid,omitempty"`
	IsPreferred *bool  `json:"isPreferred,omitempty"`
	State       string `json:"state,omitempty"`
}

// Email is one email address of a customer.
type Email struct {
	EmailAddress string `json:"emailAddress"`
	Label        string `json:"label,omitempty"`
	OkToEmail    *bool  `json:"okToEmail,omitempty"`
	IsPreferred  *bool  `json:"isPreferred,omitempty"`
}

// Phone is one phone number of a customer. myKaarma wants E.164 (+1XXXXXXXXXX).
type Phone struct {
	PhoneNumber string `json:"phoneNumber"`
	Label       string `json:"label,omitempty"`
	OkToCall    *bool  `json:"okToCall,omitempty"`
	OkToText    *bool  `json:"okToText,omitempty"`
	IsPreferred *bool  `json:"isPreferred,omitempty"`
}

// Vehicle is a vehicle as "How to save a lead" describes it.
type Vehicle struct {
	UUID             string `json:"uuid,omitempty"`
	TrackingID       string `json:"trackingId,omitempty"`
	Topic            string `json:"topic,omitempty"`
	Description      string `json:"description,omitempty"`
	VIN              string `json:"vin,omitempty"`
	VehicleYear      string `json:"vehicleYear,omitempty"`
	VehicleMake      string `json:"vehicleMake,omitempty"`
	VehicleModel     string `json:"vehicleModel,omitempty"`
	EstimatedMileage string `json:"estimatedMileage,omitempty"`
	VehicleKey       string `json:"vehicleKey,omitempty"`
	VehicleTrim      string `json:"vehicleTrim,omitempty"`
	LicensePlate     string `json:"licensePlate,omitempty"`
	Color            string `json:"color,omitempty"`
	VehicleEngine    string `json:"vehicleEngine,omitempty"`
}

// CustomerWithVehicles is the body of create and update, and the payload of read.
type CustomerWithVehicles struct {
	Customer Customer  `json:"customer"`
	Vehicles []Vehicle `json:"vehicles,omitempty"`
}

// Problem is one entry of a customer API response's errors list.
type Problem struct {
	Code    int    `json:"errorCode"`
	Title   string `json:"errorTitle,omitempty"`
	Message string `json:"errorMessage,omitempty"`
}

// Warning is one entry of a customer API response's warnings list.
type Warning struct {
	Code    int    `json:"warningCode"`
	Title   string `json:"warningTitle,omitempty"`
	Message string `json:"warningMessage,omitempty"`
}

// Warning codes the customer API is known to send.
const (
	WarningNoCustomerFound  = 10001
	WarningAllPhonesDeleted = 10005
	WarningAllEmailsDeleted = 10006
	WarningPhoneNotE164     = 10015
)

// MinimalCustomer is one search hit (listMinimal).
type MinimalCustomer struct {
	UUID           string           `json:"uuid"`
	CustomerKey    *string          `json:"customerKey"` // nil when the customer has no key
	FirstName      string           `json:"fname"`
	LastName       string           `json:"lname"`
	Company        string           `json:"company,omitempty"`
	Communications []Communication  `json:"communications,omitempty"`
	Vehicles       []MinimalVehicle `json:"vehicles,omitempty"`
}

// Communication is a phone (CommType "P") or email (CommType "E") of a search hit.
type Communication struct {
	CommType  string `json:"commType"`
	CommValue string `json:"commValue"`
}

// Communication types.
const (
	CommPhone = "P"
	CommEmail = "E"
)

// MinimalVehicle is a vehicle of a search hit.
type MinimalVehicle struct {
	UUID  string `json:"uuid"`
	VIN   string `json:"vin"`
	Year  string `json:"year,omitempty"`
	Make  string `json:"make,omitempty"`
	Model string `json:"model,omitempty"`
}

// SearchResult is the response of listMinimal.
type SearchResult struct {
	Errors    []Problem         `json:"errors"`
	Warnings  []Warning         `json:"warnings"`
	Customers []MinimalCustomer `json:"matchingCustomers"`
}

// ReadResult is the response of reading one customer.
type ReadResult struct {
	Errors   []Problem            `json:"errors"`
	Warnings []Warning            `json:"warnings"`
	Customer CustomerWithVehicles `json:"customerWithVehicles"`
}

// SaveResult is the response of create and update.
type SaveResult struct {
	Errors       []Problem `json:"errors"`
	Warnings     []Warning `json:"warnings"`
	CustomerUUID string    `json:"customerUuid"`
}

// Lead is the save-lead request body of "How to save a lead".
type Lead struct {
	Customer        Customer      `json:"customer"`
	Vehicle         *Vehicle      `json:"vehicle,omitempty"`
	DealerDetails   DealerDetails `json:"dealerDetails"`
	Services        []Service     `json:"services"`
	Status          string        `json:"status"`
	LastContactDate string        `json:"lastContactDate"`
	LeadID          string        `json:"leadId,omitempty"`
	LeadType        string        `json:"leadType"`
}

// DealerDetails names the dealership and the lead's source (MMC or BMW_SPARC).
type DealerDetails struct {
	Name   string `json:"name,omitempty"`
	Code   string `json:"code,omitempty"`
	Source string `json:"source"`
}

// Service is one communication code or opcode of a lead.
type Service struct {
	Name    string `json:"name"`
	Code    string `json:"code"`
	Type    string `json:"type,omitempty"`
	DueDate string `json:"dueDate,omitempty"`
}

// LeadResult is the non-4XX response of save lead.
type LeadResult struct {
	Error      *LeadError    `json:"error,omitempty"`
	RequestID  string        `json:"requestId"`
	Message    string        `json:"message"` // QUEUED or UNPROCESSED
	Status     string        `json:"status"`
	StatusCode int           `json:"statusCode"`
	Warnings   []LeadWarning `json:"warnings"`
}

// Lead verdicts.
const (
	LeadQueued      = "QUEUED"
	LeadUnprocessed = "UNPROCESSED"
)

// LeadError is the error object of a save-lead response.
type LeadError struct {
	Code        Code   `json:"errorCode"`
	Description string `json:"errorDescription"`
	UID         string `json:"errorUID"`
}

// LeadWarning is one warning of a save-lead response.
type LeadWarning struct {
	Code        Code   `json:"warningCode"`
	Description string `json:"warningDescription"`
}

// Code is an error or warning code that the API sends as a string or a number.
type Code string

// UnmarshalJSON accepts "123", 123 and null.
func (c *Code) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*c = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = Code(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	if _, err := strconv.ParseFloat(string(n), 64); err != nil {
		return err
	}
	*c = Code(n)
	return nil
}
