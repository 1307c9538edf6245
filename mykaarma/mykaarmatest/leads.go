package mykaarmatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/google/uuid"

	"github.com/leadworker/leadworker/mykaarma"
)

// Lead error codes the fake invents for UNPROCESSED verdicts.
const (
	LeadErrCustomerNotFound = "CUSTOMER_NOT_FOUND"
	LeadErrMissingVIN       = "VEHICLE_VIN_REQUIRED"
	LeadErrOverridden       = "VERDICT_OVERRIDDEN"
)

var lastContactDate = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(Z|[+-]\d{4})$`)

// leadResponse is the non-4XX save-lead body of "How to save a lead".
type leadResponse struct {
	Error      *leadError    `json:"error"`
	RequestID  string        `json:"requestId"`
	Message    string        `json:"message"`
	Status     string        `json:"status"`
	StatusCode int           `json:"statusCode"`
	Warnings   []leadWarning `json:"warnings"`
}

type leadError struct {
	Code        string `json:"errorCode"`
	Description string `json:"errorDescription"`
	UID         string `json:"errorUID"`
}

type leadWarning struct {
	Code        string `json:"warningCode"`
	Description string `json:"warningDescription"`
}

// validateLead checks the save-lead body's required fields; it returns "" when the lead is valid.
func validateLead(l mykaarma.Lead) string {
	switch {
	case l.DealerDetails.Source != "MMC" && l.DealerDetails.Source != "BMW_SPARC":
		return "dealerDetails.source must be MMC or BMW_SPARC"
	case len(l.Services) == 0:
		return "services must not be empty"
	case l.Status != "NEW":
		return "status must be NEW"
	case l.LeadType != "RECALL" && l.LeadType != "SERVICE_DEMAND":
		return "leadType must be RECALL or SERVICE_DEMAND"
	}
	for i, sv := range l.Services {
		if sv.Code == "" || sv.Name == "" {
			return fmt.Sprintf("services[%d].code and services[%d].name are required", i, i)
		}
		if sv.DueDate != "" {
			if _, err := time.Parse(time.DateOnly, sv.DueDate); err != nil {
				return fmt.Sprintf("services[%d].dueDate must be yyyy-MM-dd", i)
			}
		}
	}
	m := lastContactDate.FindStringSubmatch(l.LastContactDate)
	if m == nil {
		return "lastContactDate must be yyyy-MM-dd HH:mm:ssZ"
	}
	if _, err := time.Parse(time.DateTime, m[1]); err != nil {
		return "lastContactDate is not a valid date and time"
	}
	return ""
}

func (s *Server) saveLead(w http.ResponseWriter, r *http.Request, dealer string, body []byte) {
	var l mykaarma.Lead
	if err := json.Unmarshal(body, &l); err != nil {
		s.writeFramework(w, r, http.StatusBadRequest, "JSON parse error: "+err.Error())
		return
	}
	if msg := validateLead(l); msg != "" {
		s.writeFramework(w, r, http.StatusBadRequest, msg)
		return
	}

	s.mu.Lock()
	override := s.leadVerdict
	known := l.Customer.UUID != "" && s.knownAnywhereLocked(l.Customer.UUID)
	s.mu.Unlock()

	resp := leadResponse{Status: "Success", Warnings: []leadWarning{}, Message: mykaarma.LeadQueued}
	var why *leadError
	switch {
	case !known:
		why = &leadError{Code: LeadErrCustomerNotFound, Description: "customer.uuid is empty or unknown"}
	case l.LeadType == "RECALL" && (l.Vehicle == nil || l.Vehicle.VIN == ""):
		why = &leadError{Code: LeadErrMissingVIN, Description: "a RECALL lead needs vehicle.vin"}
	}
	if why != nil {
		resp.Message = mykaarma.LeadUnprocessed
	}
	if override != nil {
		// Called without the lock so that the override may inspect the server.
		if v := override(dealer, cloneLead(l)); v != resp.Message {
			resp.Message = v
			why = nil
			if v == mykaarma.LeadUnprocessed {
				why = &leadError{Code: LeadErrOverridden, Description: "verdict set by SetLeadVerdict"}
			}
		}
	}
	if why != nil {
		why.UID = uuid.NewString()
		resp.Error = why
		resp.Warnings = append(resp.Warnings, leadWarning{Code: why.Code, Description: "lead not processed: " + why.Description})
	}
	resp.RequestID = uuid.NewString()
	if resp.Message == mykaarma.LeadQueued {
		s.mu.Lock()
		s.leads[dealer] = append(s.leads[dealer], cloneLead(l))
		s.mu.Unlock()
	}
	writeJSON(w, http.StatusOK, resp)
}
