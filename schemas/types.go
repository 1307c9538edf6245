package schemas

import "time"

// Event types.
const (
	TypeLead     = "lead"
	TypeCustomer = "customer"
)

// Event is one input record: a lead event or a customer event.
// Exactly one of Lead (eventType "lead") or Customer (eventType "customer") is set.
type Event struct {
	EventID        string    `json:"eventId"`
	EventType      string    `json:"eventType"`
	OccurredAt     time.Time `json:"occurredAt"`
	DepartmentUUID string    `json:"departmentUuid"`
	DealerUUID     string    `json:"dealerUuid,omitempty"` // lead events only
	Lead           *Lead     `json:"lead,omitempty"`
	Customer       *Customer `json:"customer,omitempty"` // customer events only
	Vehicles       []Vehicle `json:"vehicles,omitempty"` // customer events only
}

// Lead is the body of myKaarma's "How to save a lead".
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

// Customer is the customer of an event, as myKaarma's "How to save a lead" describes it.
// UUID, when an upstream system already knows it, is ignored for matching.
type Customer struct {
	UUID            string    `json:"uuid,omitempty"`
	CustomerKey     string    `json:"customerKey,omitempty"`
	FirstName       string    `json:"firstName,omitempty"`
	LastName        string    `json:"lastName,omitempty"`
	Company         string    `json:"company,omitempty"`
	IsBusiness      bool      `json:"isBusiness,omitempty"`
	Addresses       []Address `json:"addresses,omitempty"`
	PreferredLocale string    `json:"preferredLocale,omitempty"`
	Emails          []Email   `json:"emails,omitempty"`
	PhoneNumbers    []Phone   `json:"phoneNumbers,omitempty"`
}

// Address is a postal address.
type Address struct {
	Line1       string `json:"line1,omitempty"`
	Line2       string `json:"line2,omitempty"`
	City        string `json:"city,omitempty"`
	Zip         string `json:"zip,omitempty"`
	AddressType string `json:"addressType,omitempty"`
	Type        string `json:"type,omitempty"`
	Country     string `json:"country,omitempty"`
	IsValid     *bool  `json:"isValid,omitempty"`
	IsPreferred *bool  `json:"isPreferred,omitempty"`
	State       string `json:"state,omitempty"`
}

// Email is an email address with its consent flags.
type Email struct {
	EmailAddress string `json:"emailAddress"`
	Label        string `json:"label,omitempty"`
	OkToEmail    *bool  `json:"okToEmail,omitempty"`
	IsPreferred  *bool  `json:"isPreferred,omitempty"`
}

// Phone is a phone number with its consent flags, in any common North American format.
type Phone struct {
	PhoneNumber string `json:"phoneNumber"`
	Label       string `json:"label,omitempty"`
	OkToCall    *bool  `json:"okToCall,omitempty"`
	OkToText    *bool  `json:"okToText,omitempty"`
	IsPreferred *bool  `json:"isPreferred,omitempty"`
}

// Vehicle is a vehicle as myKaarma's "How to save a lead" describes it.
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

// DealerDetails names the dealership and the lead's source.
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

// Outcomes of a result record.
const (
	OutcomeQueued      = "QUEUED"      // lead accepted by myKaarma
	OutcomeUnprocessed = "UNPROCESSED" // lead refused by myKaarma's verdict (not an error)
	OutcomeSaved       = "SAVED"       // customer event saved
)

// Customer actions of a result record.
const (
	ActionCreated = "created"
	ActionUpdated = "updated"
)

// Match rules of a result record, in the order the search-and-match decision tree applies them.
const (
	RuleCustomerKey     = "customerKey"
	RuleLastNameContact = "lastName+contact"
	RuleLastNameVIN     = "lastName+vin"
	RuleNone            = "none"
)

// Result is the value of a result-topic record: one per processed event.
type Result struct {
	EventID        string    `json:"eventId"`
	EventType      string    `json:"eventType"`
	Outcome        string    `json:"outcome"`
	CustomerUUID   string    `json:"customerUuid"`
	CustomerAction string    `json:"customerAction"`
	MatchRule      string    `json:"matchRule"`
	RequestID      string    `json:"requestId,omitempty"`
	LeadID         string    `json:"leadId,omitempty"`
	Warnings       []Warning `json:"warnings"`
	Attempts       int       `json:"attempts"`
	Source         Source    `json:"source"`
	ProcessedAt    time.Time `json:"processedAt"`
}

// Warning is a warning reported on a result: from myKaarma (Source "mykaarma-customer",
// "mykaarma-lead") or from leadworker itself (Source "leadworker").
type Warning struct {
	Source      string `json:"source"`
	Code        string `json:"code"`
	Description string `json:"description"`
}

// Source locates the input record a result answers.
type Source struct {
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
}
