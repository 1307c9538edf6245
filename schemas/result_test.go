package schemas

import (
	"errors"
	"testing"
	"time"
)

func validResult() *Result {
	return &Result{
		EventID:        "lead-1",
		EventType:      TypeLead,
		Outcome:        OutcomeQueued,
		CustomerUUID:   "cust-1",
		CustomerAction: ActionUpdated,
		MatchRule:      RuleCustomerKey,
		RequestID:      "req-1",
		LeadID:         "US000000111199002",
		Warnings:       []Warning{{Source: "mykaarma-customer", Code: "10015", Description: "phone not in +1XXXXXXXXXX form"}},
		Attempts:       1,
		Source:         Source{Topic: "leads", Partition: 3, Offset: 42},
		ProcessedAt:    time.Date(2024, 6, 8, 11, 0, 1, 0, time.UTC),
	}
}

func TestValidateResult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(r *Result)
		wantErr string
	}{
		{"valid lead", func(*Result) {}, ""},
		{"unprocessed", func(r *Result) { r.Outcome = OutcomeUnprocessed }, ""},
		{"customer saved, created, no warnings", func(r *Result) {
			r.EventType, r.Outcome, r.CustomerAction, r.MatchRule = TypeCustomer, OutcomeSaved, ActionCreated, RuleNone
			r.RequestID, r.LeadID, r.Warnings = "", "", nil
		}, ""},
		{"every match rule", func(r *Result) { r.MatchRule = RuleLastNameContact }, ""},
		{"lastName+vin", func(r *Result) { r.MatchRule = RuleLastNameVIN }, ""},
		{"customer event queued", func(r *Result) { r.EventType = TypeCustomer }, `/outcome: value must be "SAVED"`},
		{"lead event saved", func(r *Result) { r.Outcome = OutcomeSaved }, `/outcome: value must be one of "QUEUED", "UNPROCESSED"`},
		{"empty", func(r *Result) { *r = Result{} },
			`/attempts: got 0, want at least 1; /customerAction: value must be one of "created", "updated"; ` +
				`/customerUuid: must not be empty; /eventId: must not be empty; /eventType: value must be one of "lead", "customer"; ` +
				`/matchRule: value must be one of "customerKey", "lastName+contact", "lastName+vin", "none"; ` +
				`/outcome: value must be one of "QUEUED", "UNPROCESSED"; /outcome: value must be one of "QUEUED", "UNPROCESSED", "SAVED"; /processedAt: must be set; /source/topic: must not be empty`},
		{"bad warning source", func(r *Result) { r.Warnings[0].Source = "kafka" },
			`/warnings/0/source: value must be one of "mykaarma-customer", "mykaarma-lead", "leadworker"`},
		{"negative offset", func(r *Result) { r.Source.Offset = -1 }, "/source/offset: got -1, want at least 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := validResult()
			tt.edit(r)
			err := ValidateResult(r)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateResult = %v; want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("ValidateResult error\n got: %v\nwant: %s", err, tt.wantErr)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
			}
		})
	}
}

func TestValidateResultNil(t *testing.T) {
	t.Parallel()
	if err := ValidateResult(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("ValidateResult(nil) = %v; want ErrInvalid", err)
	}
}
