package handlers

import (
	"strconv"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
)

// Sources of the warnings on an Outcome.
const (
	SourceLeadworker  = "leadworker"
	SourceCustomerAPI = "mykaarma-customer"
	SourceLeadAPI     = "mykaarma-lead"
)

// Codes of the warnings leadworker raises itself (Source SourceLeadworker). They are
// stable: metrics and alerts count them.
const (
	WarnInvalidPhone           = "invalid-phone"            // an event phone that is not 10 digits was not written
	WarnAmbiguousMatch         = "ambiguous-match"          // several candidates satisfied the winning rule
	WarnCreateOutcomeRecovered = "create-outcome-recovered" // a create of unknown outcome was found again by search
	WarnLeadOutcomeUnknown     = "lead-outcome-unknown"     // a lead save was sent without an answer and saved again: it may be saved twice

	WarnFullPage          = "full-page"           // a combined search returned maxResults customers, so it may have hidden some
	WarnLongKeyPageFull   = "long-key-page-full"  // a customerKey over 30 characters: the search for its beginning was full without it
	WarnSharedContact     = "shared-contact"      // a phone or email filled a page on its own: not used to match
	WarnSharedVIN         = "shared-vin"          // a VIN filled a page on its own (a fleet or loaner car): not used to match
	WarnIgnoredContact    = "ignored-contact"     // a placeholder or dealer-listed phone or email: written, not searched or matched
	WarnFirstNameMismatch = "first-name-mismatch" // Options.RequireFirstName kept a customer from matching
)

// customerWarnings converts a customer API response's warnings.
func customerWarnings(ws []mykaarma.Warning) []schemas.Warning {
	var out []schemas.Warning
	for _, w := range ws {
		out = append(out, schemas.Warning{
			Source:      SourceCustomerAPI,
			Code:        strconv.Itoa(w.Code),
			Description: either(w.Message, w.Title),
		})
	}
	return out
}

// leadWarnings converts a save-lead response's error object and warnings.
func leadWarnings(r *mykaarma.LeadResult) []schemas.Warning {
	var out []schemas.Warning
	if e := r.Error; e != nil && (e.Code != "" || e.Description != "") {
		out = append(out, schemas.Warning{Source: SourceLeadAPI, Code: string(e.Code), Description: e.Description})
	}
	for _, w := range r.Warnings {
		out = append(out, schemas.Warning{Source: SourceLeadAPI, Code: string(w.Code), Description: w.Description})
	}
	return out
}
