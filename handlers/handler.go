// Package handlers holds leadworker's business: it moves one CRM lead or customer event
// into myKaarma without creating a duplicate customer.
//
// Handle searches myKaarma for the event's customer, picks a candidate with the decision
// tree (rule 1: customerKey; rule 2: last name and a phone or email; rule 3: last name and a
// VIN), and updates that customer with the event merged in, or creates one. For a lead
// event it then saves the lead against that customer. The flow is retried as a whole, from
// the search, on transient failures, so a create or update whose outcome is unknown is
// never sent again blindly: the next search finds the customer if the write went through.
//
// Guarantees and limits:
//   - Rule 1 never depends on the search page size (Options.MaxResults; myKaarma has no next
//     page). When a search returns a full page, what it may hide is searched for on its own
//     (see find); a search that is not full costs no extra call. When even the customerKey's
//     own search is full without the key, Handle creates nothing and returns a search
//     StepError wrapping ErrKeyPageFull and mykaarma.ErrRejected. A key longer than 30
//     characters is searched by its first 30 and compared whole; a full page of keys that
//     begin the same way is reported as long-key-page-full, not refused.
//   - A phone, email or VIN that fills a page on its own is shared (a fleet line, the
//     dealership's number, a loaner car) and is not used by rules 2 and 3: shared-contact or
//     shared-vin warning.
//   - Placeholder contacts (one repeated digit, 1234567890, 555-01xx, noemail@ and the like)
//     and Options.IgnoreContacts are written but never searched or matched on:
//     ignored-contact warning. An email is searched when no phone is left to search.
//   - Options.RequireFirstName keeps a household sharing a phone, email or car apart:
//     first-name-mismatch warning when it changed the verdict.
//   - Only mykaarma.ErrTransient failures are retried, with exponential backoff
//     (RetryOptions) or the server's Retry-After when longer; rejections and auth failures
//     return at once.
//   - After a create of unknown outcome (timeout or dropped connection), the next attempt's
//     search decides; if it finds the customer, it is updated and reported as created with a
//     create-outcome-recovered warning. When no search could recognise the created customer
//     (no search token, or neither a findable customerKey nor a last name with a contact or
//     VIN), Handle does not retry: it returns a create StepError wrapping ErrExhausted.
//   - Once an attempt has created a customer, later attempts update that one if their
//     search does not pick it.
//   - An update always sends the union of stored and event phones, emails, addresses and
//     vehicles, so it never deletes any (update replaces lists).
//   - Save lead is not idempotent and myKaarma offers no way to look a lead up. A save that
//     was sent and got no answer (mykaarma.ErrOutcomeUnknown) is saved again by default, with
//     a lead-outcome-unknown warning: the lead may be saved twice (its leadId tells the
//     copies apart). With Options.LeadUnknownOutcome = LeadUnknownDeadLetter it is never
//     sent twice: Handle returns a lead StepError wrapping ErrLeadOutcomeUnknown. A save
//     that got a status (5xx, 429) was answered and is retried in both modes.
//   - Outcome.Warnings carry the create or update response's warnings; search warnings
//     (10001, no customer found, is the normal miss) and read warnings are not reported.
//
// Handle returns an Outcome, a *StepError (classify with errors.Is: mykaarma.ErrRejected,
// mykaarma.ErrAuth, ErrExhausted, ErrLeadOutcomeUnknown), or, when the caller's context ends,
// an error wrapping the context's error. The package does not log.
package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
	"go.opentelemetry.io/otel/trace"
)

// API is the part of myKaarma the flow calls; *mykaarma.Client satisfies it.
type API interface {
	SearchCustomersIn(ctx context.Context, departmentUUID, term string, maxResults int, fields ...string) (*mykaarma.SearchResult, error)
	GetCustomer(ctx context.Context, departmentUUID, customerUUID string) (*mykaarma.ReadResult, error)
	CreateCustomer(ctx context.Context, departmentUUID string, body *mykaarma.CustomerWithVehicles) (*mykaarma.SaveResult, error)
	UpdateCustomer(ctx context.Context, departmentUUID, customerUUID string, body *mykaarma.CustomerWithVehicles) (*mykaarma.SaveResult, error)
	SaveLead(ctx context.Context, dealerUUID string, lead *mykaarma.Lead) (*mykaarma.LeadResult, error)
}

// DefaultMaxResults is the search page size when Options.MaxResults is 0.
const DefaultMaxResults = 25

// Options configures a Handler.
type Options struct {
	API        API          // required
	MaxResults int          // search maxResults, 1..100; 0 means DefaultMaxResults; a page this full may hide customers
	Retry      RetryOptions // zero value = defaults

	// IgnoreContacts are the dealer's own phones and emails that are never searched or used
	// to match (the dealership's number, a service desk address), on top of the built-in
	// placeholders. Each entry is a phone in any format that reduces to 10 digits, an email,
	// or "@domain" for every address at a domain; ParseContactList splits a list. They are
	// compared as matching compares contacts (phones by digits, emails case-folded) and are
	// still written to myKaarma. An entry that is none of these makes New fail.
	IgnoreContacts []string

	// RequireFirstName makes rules 2 and 3 (last name with a contact or a VIN) also require
	// compatible first names: equal ignoring case, one missing, or one the initial of the
	// other. Two people of one household sharing a phone then stay two customers, at the
	// cost of a duplicate when a CRM spells a customer's first name two ways. False follows
	// the decision tree: any matching customer.
	RequireFirstName bool

	// LeadUnknownOutcome is what happens when a lead save was sent and got no answer:
	// LeadUnknownRetry (the default, for "") saves it again with a lead-outcome-unknown
	// warning, LeadUnknownDeadLetter returns ErrLeadOutcomeUnknown and never saves it twice.
	LeadUnknownOutcome LeadUnknownOutcome

	// TracerProvider makes a span per step (search, read, create, update, save lead) below
	// the caller's span; nil makes none. Steps of a retried flow carry their attempt.
	TracerProvider trace.TracerProvider
}

// Handler handles events. It is safe for concurrent use.
type Handler struct {
	api        API
	maxResults int
	retry      RetryOptions
	locks      *identityLocks

	ignore           ignoreList
	requireFirstName bool
	leadUnknown      LeadUnknownOutcome
	tracer           trace.Tracer // nil: no step spans

	// sleep waits d or until ctx ends; now is the clock of the retry budget. Tests replace both.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

// New validates opts, applies defaults and returns a Handler.
func New(opts Options) (*Handler, error) {
	if opts.API == nil {
		return nil, errors.New("handlers: Options.API is required")
	}
	if opts.MaxResults == 0 {
		opts.MaxResults = DefaultMaxResults
	}
	if opts.MaxResults < 1 || opts.MaxResults > 100 {
		return nil, fmt.Errorf("handlers: Options.MaxResults %d: want 1..100", opts.MaxResults)
	}
	retry, err := opts.Retry.withDefaults()
	if err != nil {
		return nil, err
	}
	ignore, err := newIgnoreList(opts.IgnoreContacts)
	if err != nil {
		return nil, err
	}
	leadUnknown, err := opts.LeadUnknownOutcome.withDefault()
	if err != nil {
		return nil, err
	}
	var tracer trace.Tracer
	if opts.TracerProvider != nil {
		tracer = opts.TracerProvider.Tracer(TracerName)
	}
	return &Handler{api: opts.API, maxResults: opts.MaxResults, retry: retry, locks: newIdentityLocks(),
		ignore: ignore, requireFirstName: opts.RequireFirstName, leadUnknown: leadUnknown, tracer: tracer,
		sleep: sleepCtx, now: time.Now}, nil
}

// Outcome is what handling one event achieved.
type Outcome struct {
	Outcome        string // schemas.OutcomeQueued or OutcomeUnprocessed (lead events), schemas.OutcomeSaved (customer events)
	CustomerUUID   string
	CustomerAction string // schemas.ActionCreated or ActionUpdated
	MatchRule      string // schemas.RuleCustomerKey, RuleLastNameContact, RuleLastNameVIN or RuleNone
	RequestID      string // lead events: myKaarma's id of the save request
	LeadID         string // lead events: the event's leadId
	Warnings       []schemas.Warning
	Attempts       int // flow attempts, 1 when the first try succeeded
}

// Result is the result record of ev answered with o, read from src, at at.
func (o *Outcome) Result(ev *schemas.Event, src schemas.Source, at time.Time) schemas.Result {
	r := schemas.Result{
		EventID:        ev.EventID,
		EventType:      ev.EventType,
		Outcome:        o.Outcome,
		CustomerUUID:   o.CustomerUUID,
		CustomerAction: o.CustomerAction,
		MatchRule:      o.MatchRule,
		RequestID:      o.RequestID,
		LeadID:         o.LeadID,
		Warnings:       o.Warnings,
		Attempts:       o.Attempts,
		Source:         src,
		ProcessedAt:    at.UTC(),
	}
	if r.Warnings == nil {
		r.Warnings = []schemas.Warning{}
	}
	return r
}

// Handle moves one event into myKaarma. See the package documentation for the flow and
// the errors.
func (h *Handler) Handle(ctx context.Context, ev *schemas.Event) (*Outcome, error) {
	if err := checkEvent(ev); err != nil {
		return nil, &StepError{Step: StepEvent, Err: err}
	}
	f := h.newFlow(ev)
	unlock, err := h.locks.lock(ctx, identify(ev, f.subj.id).Tokens)
	if err != nil {
		return nil, fmt.Errorf("handlers: %w while waiting for another event of the same customer", err)
	}
	defer unlock()
	out, err := h.retrying(ctx, func(ctx context.Context, attempt int) (*Outcome, *StepError) {
		f.attempt = attempt
		return h.attempt(ctx, f)
	})
	var se *StepError
	if errors.As(err, &se) {
		se.LeadOutcomesUnknown = len(f.leadUnknown)
	}
	return out, err
}

// checkEvent rejects an event the flow cannot use. Such an event is never sent, and its
// error wraps mykaarma.ErrRejected so that callers dead-letter it like any rejection.
func checkEvent(ev *schemas.Event) error {
	var problem string
	switch {
	case ev == nil:
		problem = "nil event"
	case ev.DepartmentUUID == "":
		problem = "event has no departmentUuid"
	case ev.EventType == schemas.TypeLead && ev.Lead == nil:
		problem = "lead event has no lead"
	case ev.EventType == schemas.TypeLead && ev.DealerUUID == "":
		problem = "lead event has no dealerUuid"
	case ev.EventType == schemas.TypeCustomer && ev.Customer == nil:
		problem = "customer event has no customer"
	case ev.EventType != schemas.TypeLead && ev.EventType != schemas.TypeCustomer:
		problem = fmt.Sprintf("unknown eventType %q", ev.EventType)
	default:
		return nil
	}
	return fmt.Errorf("%s: %w", problem, mykaarma.ErrRejected)
}
