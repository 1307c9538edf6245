package handlers

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/schemas"
)

// A lead save that myKaarma applied and then answered with nothing (the fake saves the lead
// and drops the connection) is saved again under LeadUnknownRetry, with a warning, and
// never again under LeadUnknownDeadLetter. A save answered with a status is retried in
// both modes, without the warning.
func TestLeadUnknownOutcome(t *testing.T) {
	t.Parallel()
	dropLead := func(s *mykaarmatest.Server) {
		s.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpLead, DropAfterApply: true, Times: 1})
	}
	tests := []struct {
		name      string
		mode      LeadUnknownOutcome
		timeout   time.Duration // client per-call timeout; 0 = default
		fault     func(*mykaarmatest.Server)
		leads     int  // QUEUED leads the fake holds afterwards
		warnings  int  // lead-outcome-unknown warnings on the Outcome
		deadEnd   bool // Handle fails with ErrLeadOutcomeUnknown
		attempts  int
		leadSaves int // save-lead requests sent
	}{
		{name: "default retries a dropped save", mode: "", fault: dropLead, leads: 2, warnings: 1, attempts: 2, leadSaves: 2},
		{name: "retry", mode: LeadUnknownRetry, fault: dropLead, leads: 2, warnings: 1, attempts: 2, leadSaves: 2},
		{name: "dead-letter", mode: LeadUnknownDeadLetter, fault: dropLead, leads: 1, deadEnd: true, attempts: 1, leadSaves: 1},
		{name: "retry after a timeout", mode: LeadUnknownRetry, timeout: time.Second,
			fault: func(s *mykaarmatest.Server) {
				s.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpLead, Hang: true, Times: 1})
			},
			leads: 1, warnings: 1, attempts: 2, leadSaves: 2},
		{name: "dead-letter after a timeout", mode: LeadUnknownDeadLetter, timeout: time.Second,
			fault: func(s *mykaarmatest.Server) {
				s.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpLead, Hang: true, Times: 1})
			},
			leads: 0, deadEnd: true, attempts: 1, leadSaves: 1},
		{name: "retry: 503 is an answer", mode: LeadUnknownRetry,
			fault: func(s *mykaarmatest.Server) { s.FailNext(mykaarmatest.OpLead, 1, http.StatusServiceUnavailable) },
			leads: 1, attempts: 2, leadSaves: 2},
		{name: "dead-letter: 503 is an answer", mode: LeadUnknownDeadLetter,
			fault: func(s *mykaarmatest.Server) { s.FailNext(mykaarmatest.OpLead, 1, http.StatusServiceUnavailable) },
			leads: 1, attempts: 2, leadSaves: 2},
		{name: "dead-letter: 429 is an answer", mode: LeadUnknownDeadLetter,
			fault: func(s *mykaarmatest.Server) { s.FailNext(mykaarmatest.OpLead, 1, http.StatusTooManyRequests) },
			leads: 1, attempts: 2, leadSaves: 2},
		{name: "dead-letter: a dropped create is not a lead's", mode: LeadUnknownDeadLetter,
			fault: func(s *mykaarmatest.Server) {
				s.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpCreate, DropAfterApply: true, Times: 1})
			},
			leads: 1, attempts: 2, leadSaves: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setupWith(t, mykaarmatest.Options{}, tt.timeout, Options{LeadUnknownOutcome: tt.mode})
			tt.fault(f.srv)
			out, err := f.h.Handle(t.Context(), leadEvent())
			// The fake records a dropped request once its connection is closed; the lead it
			// saved is stored before that, so Leads is exact and Requests may lag.
			if n := len(f.srv.Leads(dealer)); n != tt.leads {
				t.Errorf("fake holds %d leads; want %d", n, tt.leads)
			}
			if n := len(f.srv.Customers(dept)); n != 1 {
				t.Errorf("fake holds %d customers; want 1", n)
			}
			if tt.deadEnd {
				var se *StepError
				if !errors.As(err, &se) || se.Step != StepLead || se.Attempts != tt.attempts || !errors.Is(err, ErrLeadOutcomeUnknown) {
					t.Fatalf("Handle error = %v; want a lead StepError with ErrLeadOutcomeUnknown after %d attempt(s)", err, tt.attempts)
				}
				if errors.Is(err, ErrExhausted) || errors.Is(err, mykaarma.ErrRejected) {
					t.Errorf("Handle error = %v; want neither exhausted nor rejected", err)
				}
				if !errors.Is(err, mykaarma.ErrOutcomeUnknown) || !strings.Contains(err.Error(), `lead "US000000111199002"`) {
					t.Errorf("Handle error = %q; want the client's error and the leadId", err)
				}
				if n := f.count(mykaarmatest.OpLead); n > tt.leadSaves {
					t.Errorf("%d save-lead requests; want %d", n, tt.leadSaves)
				}
				return
			}
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if out.Outcome != schemas.OutcomeQueued || out.Attempts != tt.attempts {
				t.Errorf("Handle = %+v; want QUEUED after %d attempts", out, tt.attempts)
			}
			got := 0
			for _, w := range out.Warnings {
				if w.Code == WarnLeadOutcomeUnknown {
					got++
					if w.Source != SourceLeadworker || !strings.Contains(w.Description, "attempt 1") {
						t.Errorf("warning = %+v; want from leadworker, naming attempt 1", w)
					}
				}
			}
			if got != tt.warnings {
				t.Errorf("%d %s warnings in %+v; want %d", got, WarnLeadOutcomeUnknown, out.Warnings, tt.warnings)
			}
		})
	}
}

// Under LeadUnknownRetry an event whose every save goes unanswered fails as exhausted, and
// its error says that myKaarma may hold the lead.
func TestLeadUnknownRetryExhausted(t *testing.T) {
	t.Parallel()
	f := setupWith(t, mykaarmatest.Options{}, 0, Options{Retry: RetryOptions{InitialInterval: time.Millisecond, MaxAttempts: 3}})
	f.srv.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpLead, DropAfterApply: true})
	_, err := f.h.Handle(t.Context(), leadEvent())
	var se *StepError
	if !errors.As(err, &se) || !errors.Is(err, ErrExhausted) || errors.Is(err, ErrLeadOutcomeUnknown) {
		t.Fatalf("Handle error = %v; want exhausted, not ErrLeadOutcomeUnknown", err)
	}
	if se.LeadOutcomesUnknown != 3 || !strings.Contains(err.Error(), "myKaarma may hold the lead") {
		t.Errorf("LeadOutcomesUnknown = %d, error %q; want 3 and a note", se.LeadOutcomesUnknown, err)
	}
	if n := len(f.srv.Leads(dealer)); n != 3 {
		t.Errorf("fake holds %d leads; want 3", n)
	}
}

func TestLeadUnknownOutcomeOption(t *testing.T) {
	t.Parallel()
	api, _ := mykaarma.New("http://127.0.0.1:1", mykaarma.Options{Username: "u", Password: "p"})
	for _, tt := range []struct {
		mode LeadUnknownOutcome
		ok   bool
	}{{"", true}, {LeadUnknownRetry, true}, {LeadUnknownDeadLetter, true}, {"deadletter", false}, {"Retry", false}} {
		_, err := New(Options{API: api, LeadUnknownOutcome: tt.mode})
		if (err == nil) != tt.ok {
			t.Errorf("New(LeadUnknownOutcome %q) error = %v; want ok %v", tt.mode, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "Options.LeadUnknownOutcome") {
			t.Errorf("New(LeadUnknownOutcome %q) error = %q; want it to name the option", tt.mode, err)
		}
	}
}
