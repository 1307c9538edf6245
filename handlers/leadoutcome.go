package handlers

import (
	"fmt"

	"github.com/leadworker/leadworker/schemas"
)

// LeadUnknownOutcome is what Handle does when a lead save was sent whole and no answer came
// back (mykaarma.ErrOutcomeUnknown: a timeout, a dropped or reset connection). myKaarma may
// or may not have saved the lead, and it documents neither an idempotency key nor a way to
// look a lead up, so leadworker cannot find out. A save that got a status (5xx, 429) was
// answered and is retried like any transient failure in both modes.
type LeadUnknownOutcome string

const (
	// LeadUnknownRetry (the default) retries the flow from the search, as for any transient
	// failure, and so saves the lead again: myKaarma may then hold it twice. The Outcome
	// carries one lead-outcome-unknown warning per save of unknown outcome; when the event
	// fails after all, its StepError counts them in LeadOutcomesUnknown.
	LeadUnknownRetry LeadUnknownOutcome = "retry"
	// LeadUnknownDeadLetter never sends the save again: Handle returns at once a lead
	// StepError wrapping ErrLeadOutcomeUnknown, for a person to check myKaarma.
	LeadUnknownDeadLetter LeadUnknownOutcome = "dead-letter"
)

// withDefault validates o; "" means LeadUnknownRetry.
func (o LeadUnknownOutcome) withDefault() (LeadUnknownOutcome, error) {
	switch o {
	case "":
		return LeadUnknownRetry, nil
	case LeadUnknownRetry, LeadUnknownDeadLetter:
		return o, nil
	}
	return "", fmt.Errorf("handlers: Options.LeadUnknownOutcome %q: want %q or %q", string(o), LeadUnknownRetry, LeadUnknownDeadLetter)
}

// leadOutcomeUnknown is the StepError of a lead save of attempt f.attempt that was sent and
// got no answer (err is mykaarma.ErrOutcomeUnknown). Retried, it is remembered in f.
func (h *Handler) leadOutcomeUnknown(f *flow, err error) *StepError {
	if h.leadUnknown == LeadUnknownDeadLetter {
		return &StepError{Step: StepLead, Err: fmt.Errorf("%w: %s was sent and got no answer, so myKaarma may hold it; not sent again: %w",
			ErrLeadOutcomeUnknown, leadName(f), err)}
	}
	f.leadUnknown = append(f.leadUnknown, f.attempt)
	return &StepError{Step: StepLead, Err: err}
}

// leadUnknownWarnings are the lead-outcome-unknown warnings of the saves f sent again.
func leadUnknownWarnings(f *flow) []schemas.Warning {
	var ws []schemas.Warning
	for _, attempt := range f.leadUnknown {
		ws = append(ws, schemas.Warning{
			Source: SourceLeadworker,
			Code:   WarnLeadOutcomeUnknown,
			Description: fmt.Sprintf("the save of %s on attempt %d was sent and got no answer (a timeout or a dropped connection); it was saved again, so myKaarma may hold it twice",
				leadName(f), attempt),
		})
	}
	return ws
}

// leadName names the event's lead by its leadId for warnings and errors.
func leadName(f *flow) string {
	if f.ev.Lead == nil || f.ev.Lead.LeadID == "" {
		return "the lead (no leadId)"
	}
	return fmt.Sprintf("lead %q", f.ev.Lead.LeadID)
}
