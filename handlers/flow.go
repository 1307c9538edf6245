package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
	"go.opentelemetry.io/otel/trace"
)

// flow is one event's state across attempts.
type flow struct {
	ev    *schemas.Event
	subj  subject
	terms []term

	createdUUID   string // an earlier attempt created this customer
	createUnknown bool   // an earlier attempt's create may have been applied
	leadUnknown   []int  // attempts whose lead save was sent without an answer, then retried
	attempt       int    // the attempt running, from 1 (step spans)
}

// newFlow starts the flow of an event.
func (h *Handler) newFlow(ev *schemas.Event) *flow {
	s := h.subject(ev)
	return &flow{ev: ev, subj: s, terms: searchTerms(searchTokens(s.id))}
}

// subject normalises the event's customer and leaves the placeholders and
// ignored contacts out of what is searched, matched, routed and locked.
func (h *Handler) subject(ev *schemas.Event) subject {
	s := eventSubject(ev)
	var ws []schemas.Warning
	s.id, ws = h.ignore.filter(s.id)
	s.warnings = append(s.warnings, ws...)
	return s
}

// attempt runs the flow once, from the search.
func (h *Handler) attempt(ctx context.Context, f *flow) (*Outcome, *StepError) {
	out := &Outcome{MatchRule: schemas.RuleNone, Warnings: append([]schemas.Warning{}, f.subj.warnings...)}

	m := match{Rule: schemas.RuleNone}
	if len(f.terms) > 0 {
		sctx, span := h.startStep(ctx, f, StepSearch)
		var err error
		m, err = h.find(sctx, f.ev.DepartmentUUID, f.subj.id, f.terms)
		if err == nil {
			span.SetAttributes(AttrMatchRule.String(m.Rule))
		}
		endStep(span, err)
		if err != nil {
			return nil, &StepError{Step: StepSearch, Err: err}
		}
		out.MatchRule = m.Rule
		out.Warnings = append(out.Warnings, m.Warnings...)
	}
	target := m.UUID
	if target == "" {
		// The search could not recognise the customer this handling created earlier
		// (say, no customerKey or last name): update it rather than create a twin.
		target = f.createdUUID
	}

	var vehicles map[string]string
	var serr *StepError
	if target != "" {
		vehicles, serr = h.update(ctx, f, target, m.Rule, out)
	} else {
		serr = h.create(ctx, f, out)
	}
	if serr != nil {
		return nil, serr
	}

	if f.ev.EventType != schemas.TypeLead {
		out.Outcome = schemas.OutcomeSaved
		return out, nil
	}
	lead := buildLead(f.ev.Lead, f.subj, out.CustomerUUID, vehicles)
	lctx, span := h.startStep(ctx, f, StepLead)
	res, err := h.api.SaveLead(lctx, f.ev.DealerUUID, lead)
	if err == nil && res == nil {
		err = fmt.Errorf("save lead: no result: %w", mykaarma.ErrRejected)
	}
	unknown := errors.Is(err, mykaarma.ErrOutcomeUnknown)
	if unknown {
		span.AddEvent(EventLeadOutcomeUnknown, trace.WithAttributes(AttrAttempt.Int(f.attempt)))
	}
	endStep(span, err)
	switch {
	case unknown:
		return nil, h.leadOutcomeUnknown(f, err)
	case err != nil:
		return nil, &StepError{Step: StepLead, Err: err}
	}
	out.Outcome, out.RequestID, out.LeadID = res.Message, res.RequestID, f.ev.Lead.LeadID
	out.Warnings = append(out.Warnings, leadWarnings(res)...)
	out.Warnings = append(out.Warnings, leadUnknownWarnings(f)...)
	return out, nil
}

// update merges the event into the stored customer target and writes it back. It returns
// the stored customer's vehicle uuids by VIN, as read before the update.
func (h *Handler) update(ctx context.Context, f *flow, target, rule string, out *Outcome) (map[string]string, *StepError) {
	dept := f.ev.DepartmentUUID
	rctx, span := h.startStep(ctx, f, StepRead)
	read, err := h.api.GetCustomer(rctx, dept, target)
	if err == nil && read == nil {
		err = fmt.Errorf("read customer: no result: %w", mykaarma.ErrRejected)
	}
	endStep(span, err)
	if err != nil {
		return nil, &StepError{Step: StepRead, Err: err}
	}
	body := mergeCustomer(read.Customer, f.subj.body)
	body.Customer.UUID = target
	uctx, span := h.startStep(ctx, f, StepUpdate)
	span.SetAttributes(AttrMatchRule.String(rule))
	res, err := h.api.UpdateCustomer(uctx, dept, target, &body)
	endStep(span, err)
	if err != nil {
		return nil, &StepError{Step: StepUpdate, Err: err}
	}
	out.CustomerUUID, out.CustomerAction = target, schemas.ActionUpdated
	if res != nil {
		out.Warnings = append(out.Warnings, customerWarnings(res.Warnings)...)
	}
	switch {
	case target == f.createdUUID:
		out.CustomerAction = schemas.ActionCreated
	case f.createUnknown:
		out.CustomerAction = schemas.ActionCreated
		out.Warnings = append(out.Warnings, schemas.Warning{
			Source:      SourceLeadworker,
			Code:        WarnCreateOutcomeRecovered,
			Description: fmt.Sprintf("an earlier create timed out or lost its connection; the search found customer %s (rule %s) and it was updated, not created again", target, rule),
		})
	}
	return vehicleUUIDs(read.Customer.Vehicles), nil
}

// create creates the event's customer. A create of unknown outcome is remembered in f, and
// ends the retries at once when no later search could recognise the customer.
func (h *Handler) create(ctx context.Context, f *flow, out *Outcome) *StepError {
	body := writable(f.subj.body)
	cctx, span := h.startStep(ctx, f, StepCreate)
	res, err := h.api.CreateCustomer(cctx, f.ev.DepartmentUUID, &body)
	if err == nil && (res == nil || res.CustomerUUID == "") {
		err = fmt.Errorf("create customer: response has no customerUuid: %w", mykaarma.ErrRejected)
	}
	unknown := errors.Is(err, mykaarma.ErrOutcomeUnknown)
	if unknown {
		span.AddEvent(EventCreateOutcomeUnknown, trace.WithAttributes(AttrAttempt.Int(f.attempt)))
	}
	endStep(span, err)
	if err != nil {
		serr := &StepError{Step: StepCreate, Err: err}
		if unknown {
			f.createUnknown = true
			if reason := unrecognisable(f.subj.id, f.terms); reason != "" {
				return exhausted(serr, "create outcome unknown and "+reason)
			}
		}
		return serr
	}
	f.createdUUID = res.CustomerUUID
	out.CustomerUUID, out.CustomerAction = res.CustomerUUID, schemas.ActionCreated
	out.Warnings = append(out.Warnings, customerWarnings(res.Warnings)...)
	return nil
}

// unrecognisable says why a search after a create of unknown outcome could not find the
// created customer again, or "" when it can: the search needs a term, and the decision
// tree a customerKey the search can find or a last name with a phone, email or VIN.
func unrecognisable(id identity, terms []term) string {
	switch {
	case len(terms) == 0:
		return "the customer has no searchable identifier"
	case id.Key != "":
		return "" // searched whole, or by its first maxTermLen characters when longer
	case id.LastName != "" && len(id.Phones)+len(id.Emails)+len(id.VINs) > 0:
		return ""
	}
	return "the decision tree cannot recognise the customer (no customerKey or last name to match on)"
}

// vehicleUUIDs maps the upper-cased VINs of a stored customer's vehicles to their uuids.
func vehicleUUIDs(vs []mykaarma.Vehicle) map[string]string {
	m := map[string]string{}
	for _, v := range vs {
		if vin := normVIN(v.VIN); vin != "" && v.UUID != "" {
			if _, dup := m[vin]; !dup {
				m[vin] = v.UUID
			}
		}
	}
	return m
}
