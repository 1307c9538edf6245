package handlers

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/schemas"
)

// Two events of one new customer that share only a phone, handled at the same
// time, must not both create it.
func TestConcurrentEventsOfOneCustomerCreateItOnce(t *testing.T) {
	f := setup(t, 5*time.Second, RetryOptions{})
	// Slow creates so that, without serialisation, both events would search
	// before either create is stored.
	f.srv.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpCreate, Latency: 100 * time.Millisecond})
	phone := schemas.Phone{PhoneNumber: "(312) 684-0199"}
	events := []*schemas.Event{
		{EventID: "e1", EventType: schemas.TypeCustomer, DepartmentUUID: "d1",
			Customer: &schemas.Customer{FirstName: "Ken", LastName: "Watanabe", PhoneNumbers: []schemas.Phone{phone}}},
		{EventID: "e2", EventType: schemas.TypeCustomer, DepartmentUUID: "d1",
			Customer: &schemas.Customer{LastName: "WATANABE", PhoneNumbers: []schemas.Phone{phone},
				Emails: []schemas.Email{{EmailAddress: "ken@example.com"}}}},
	}
	var wg sync.WaitGroup
	outs := make([]*Outcome, len(events))
	errs := make([]error, len(events))
	for i, ev := range events {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = f.h.Handle(context.Background(), ev)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Handle(%s) error = %v", events[i].EventID, err)
		}
	}
	if n := len(f.srv.Customers("d1")); n != 1 {
		t.Fatalf("customers = %d; want 1", n)
	}
	actions := map[string]int{outs[0].CustomerAction: 1}
	actions[outs[1].CustomerAction]++
	if actions[schemas.ActionCreated] != 1 || actions[schemas.ActionUpdated] != 1 || outs[0].CustomerUUID != outs[1].CustomerUUID {
		t.Errorf("outcomes = %+v, %+v; want one created and one updated, same customer", *outs[0], *outs[1])
	}
}

func TestIdentityLocks(t *testing.T) {
	l := newIdentityLocks()
	ctx := context.Background()
	unlockA, err := l.lock(ctx, []string{"phone1", "email1"})
	if err != nil {
		t.Fatal(err)
	}
	// A disjoint set goes through at once.
	unlockB, err := l.lock(ctx, []string{"phone2"})
	if err != nil {
		t.Fatalf("disjoint tokens blocked: %v", err)
	}
	unlockB()
	// An overlapping set waits.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	if _, err := l.lock(short, []string{"email1", "vin1"}); err == nil {
		t.Error("overlapping tokens were locked twice")
	}
	cancel()
	got := make(chan error, 1)
	go func() {
		unlock, err := l.lock(ctx, []string{"email1", "vin1"})
		if err == nil {
			unlock()
		}
		got <- err
	}()
	unlockA()
	select {
	case err := <-got:
		if err != nil {
			t.Errorf("lock after release: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("waiter not woken by release")
	}
	if len(l.held) != 0 {
		t.Errorf("held = %v after every release; want empty", l.held)
	}
}

func TestIdentityTokensOverlap(t *testing.T) {
	tests := []struct {
		name string
		a, b identity
		want bool
	}{
		{name: "same key", a: identity{Key: "DOM123"}, b: identity{Key: "dom123", LastName: "Other"}, want: true},
		{name: "same last name and phone", a: identity{LastName: "Watanabe", Phones: []string{"3125550199"}},
			b: identity{LastName: "WATANABE", Phones: []string{"3125550199"}}, want: true},
		{name: "same last name and VIN", a: identity{LastName: "García", VINs: []string{"1FTFW1E50PFC10709"}},
			b: identity{LastName: "GARCÍA", VINs: []string{"1FTFW1E50PFC10709"}}, want: true},
		{name: "same VIN, other last name", a: identity{LastName: "Nguyen", VINs: []string{"1HGCV1F34LA012345"}},
			b: identity{LastName: "Ortiz", VINs: []string{"1HGCV1F34LA012345"}}, want: false},
		{name: "same phone, no last name", a: identity{Phones: []string{"3125550199"}}, b: identity{Phones: []string{"3125550199"}}, want: false},
		{name: "different keys", a: identity{Key: "A1"}, b: identity{Key: "B2"}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[string]bool{}
			for _, tok := range identityTokens("d1", tt.a) {
				seen[tok] = true
			}
			got := false
			for _, tok := range identityTokens("d1", tt.b) {
				got = got || seen[tok]
			}
			if got != tt.want {
				t.Errorf("overlap(%+v, %+v) = %v; want %v", tt.a, tt.b, got, tt.want)
			}
			for _, tok := range identityTokens("d2", tt.b) {
				if seen[tok] {
					t.Errorf("token %q shared across departments", tok)
				}
			}
		})
	}
}
