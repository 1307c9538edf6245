package mykaarmatest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }

// statuses runs n searches and returns the status each got (0 for a transport error).
func statuses(t *testing.T, c *mykaarma.Client, n int) []int {
	t.Helper()
	out := make([]int, n)
	for i := range out {
		_, err := c.SearchCustomers(context.Background(), dept, "x", 1)
		var e *mykaarma.Error
		switch {
		case err == nil:
			out[i] = 200
		case errors.As(err, &e):
			out[i] = e.StatusCode
		default:
			t.Fatalf("SearchCustomers error %v is not *mykaarma.Error", err)
		}
	}
	return out
}

func TestFaultLifecycle(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	c := newClient(t, s)

	s.FailNext("search", 2, 503)
	s.FailNext("create", 5, 500) // other op: does not match searches
	if got := statuses(t, c, 3); got[0] != 503 || got[1] != 503 || got[2] != 200 {
		t.Errorf("after FailNext(search, 2, 503) statuses = %v; want [503 503 200]", got)
	}

	remove := s.AddFault(mykaarmatest.Fault{Status: 502})
	if got := statuses(t, c, 2); got[0] != 502 || got[1] != 502 {
		t.Errorf("with a permanent fault statuses = %v; want [502 502]", got)
	}
	remove()
	if got := statuses(t, c, 1); got[0] != 200 {
		t.Errorf("after remove statuses = %v; want [200]", got)
	}

	s.AddFault(mykaarmatest.Fault{Status: 500})
	s.ClearFaults()
	if got := statuses(t, c, 1); got[0] != 200 {
		t.Errorf("after ClearFaults statuses = %v; want [200]", got)
	}

	reqs := s.Requests()
	if len(reqs) != 7 || reqs[0].Status != 503 || reqs[6].Status != 200 || reqs[0].Op != mykaarmatest.OpSearch {
		t.Errorf("Requests() = %d requests, first %+v; want 7, first a 503 search", len(reqs), reqs[0])
	}
}

func TestFaultProbabilityIsSeeded(t *testing.T) {
	t.Parallel()
	run := func() []int {
		s := mykaarmatest.NewServer(t, mykaarmatest.Options{Seed: 42})
		s.AddFault(mykaarmatest.Fault{Status: 503, Probability: 0.5})
		return statuses(t, newClient(t, s), 40)
	}
	a, b := run(), run()
	failed := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different outcomes: %v vs %v", a, b)
		}
		if a[i] == 503 {
			failed++
		}
	}
	if failed == 0 || failed == len(a) {
		t.Errorf("probability 0.5 failed %d of %d; want some but not all", failed, len(a))
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	c := newClient(t, s)
	s.AddFault(mykaarmatest.Fault{Op: "create", Status: 503, Times: 10})
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			body := mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{LastName: "Doe", CustomerKey: "K"}}
			if _, err := c.CreateCustomer(context.Background(), dept, &body); err != nil {
				errs <- err
			}
			if i%5 == 0 {
				s.AddFault(mykaarmatest.Fault{Op: "read", Status: 500, Times: 1})
				_ = s.Customers(dept)
				_ = s.Requests()
			}
		})
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if !errors.Is(err, mykaarma.ErrTransient) {
			t.Errorf("CreateCustomer error = %v; want transient", err)
		}
		n++
	}
	if n != 10 || s.CustomerCount() != 30 {
		t.Errorf("failed %d, stored %d; want 10 and 30", n, s.CustomerCount())
	}
}

func TestCloseReleasesHang(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	s.AddFault(mykaarmatest.Fault{Hang: true})
	c, err := mykaarma.New(s.URL, mykaarma.Options{Username: mykaarmatest.DefaultUsername, Password: mykaarmatest.DefaultPassword, Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.SearchCustomers(context.Background(), dept, "x", 1)
		done <- err
	}()
	testkit.WaitFor(t, 10*time.Second, "the request to hang", func() bool { return s.Hanging() == 1 })
	s.Close()
	if err := <-done; !errors.Is(err, mykaarma.ErrTransient) {
		t.Errorf("SearchCustomers after Close error = %v; want transient", err)
	}
	if reqs := s.Requests(); len(reqs) != 1 || reqs[0].Status != 0 {
		t.Errorf("Requests() = %+v; want one with Status 0", reqs)
	}
}

// ReleaseHanging ends the requests hanging now; the fault stays and holds the next one.
func TestReleaseHanging(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	s.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpSearch, Hang: true})
	c, err := mykaarma.New(s.URL, mykaarma.Options{Username: mykaarmatest.DefaultUsername, Password: mykaarmatest.DefaultPassword, Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	search := func() <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := c.SearchCustomers(context.Background(), dept, "x", 1)
			done <- err
		}()
		return done
	}
	first, second := search(), search()
	testkit.WaitFor(t, 10*time.Second, "two requests to hang", func() bool { return s.Hanging() == 2 })
	s.ReleaseHanging()
	for _, done := range []<-chan error{first, second} {
		if err := <-done; !errors.Is(err, mykaarma.ErrTransient) {
			t.Errorf("SearchCustomers after ReleaseHanging error = %v; want transient", err)
		}
	}
	third := search()
	testkit.WaitFor(t, 10*time.Second, "the next request to hang", func() bool { return s.Hanging() == 1 })
	s.Close()
	<-third
}

// DropNext, and the same fault posted to the admin endpoint as cmd/mykaarma-fake serves it,
// save the lead and answer nothing: the client sees ErrOutcomeUnknown, the fake holds the lead.
func TestDropNextLead(t *testing.T) {
	t.Parallel()
	for _, via := range []string{"DropNext", "admin"} {
		t.Run(via, func(t *testing.T) {
			t.Parallel()
			s := mykaarmatest.New(mykaarmatest.Options{})
			admin := s.AdminHandler()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/_fake/") {
					admin.ServeHTTP(w, r)
					return
				}
				s.ServeHTTP(w, r)
			}))
			t.Cleanup(func() { s.Close(); srv.Close() })
			id := s.AddCustomer(dept, mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{LastName: "Doe"}})
			if via == "DropNext" {
				s.DropNext(mykaarmatest.OpLead, 1)
			} else {
				resp, err := http.Post(srv.URL+"/_fake/faults", "application/json", strings.NewReader(`{"op":"lead","dropAfterApply":true,"times":1}`))
				if err != nil || resp.StatusCode != http.StatusCreated {
					t.Fatalf("POST /_fake/faults = %v, %v; want 201", resp, err)
				}
				resp.Body.Close()
			}
			c, err := mykaarma.New(srv.URL, mykaarma.Options{Username: mykaarmatest.DefaultUsername, Password: mykaarmatest.DefaultPassword})
			if err != nil {
				t.Fatal(err)
			}
			l := lead(id)
			if _, err := c.SaveLead(context.Background(), dealer, &l); !errors.Is(err, mykaarma.ErrOutcomeUnknown) {
				t.Fatalf("SaveLead error = %v; want ErrOutcomeUnknown", err)
			}
			if n := len(s.Leads(dealer)); n != 1 {
				t.Fatalf("fake holds %d leads after the drop; want 1 (applied)", n)
			}
			if _, err := c.SaveLead(context.Background(), dealer, &l); err != nil {
				t.Fatalf("SaveLead after the fault ran out: %v", err)
			}
			if n := len(s.Leads(dealer)); n != 2 {
				t.Errorf("fake holds %d leads; want 2", n)
			}
		})
	}
}

// TestFaultByDepartment: a fault with a Department hits the calls of that
// department (customer calls) or dealer (save lead) only.
func TestFaultByDepartment(t *testing.T) {
	t.Parallel()
	s := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	c := newClient(t, s)
	ctx := context.Background()
	l := lead("")
	remove := s.AddFault(mykaarmatest.Fault{Department: "dept-2", Status: http.StatusForbidden})
	s.AddFault(mykaarmatest.Fault{Department: "dealer-2", Op: mykaarmatest.OpLead, Status: http.StatusServiceUnavailable})

	status := func(err error) int {
		var e *mykaarma.Error
		if errors.As(err, &e) {
			return e.StatusCode
		}
		if err != nil {
			t.Fatalf("error %v is not *mykaarma.Error", err)
		}
		return 200
	}
	tests := []struct {
		name string
		call func() error
		want int
	}{
		{"search elsewhere", func() error { _, err := c.SearchCustomers(ctx, dept, "x", 1); return err }, 200},
		{"search at the department", func() error { _, err := c.SearchCustomers(ctx, "dept-2", "x", 1); return err }, 403},
		{"lead elsewhere", func() error { _, err := c.SaveLead(ctx, dealer, &l); return err }, 200},
		{"lead at the dealer", func() error { _, err := c.SaveLead(ctx, "dealer-2", &l); return err }, 503},
	}
	for _, tt := range tests {
		if got := status(tt.call()); got != tt.want {
			t.Errorf("%s: status %d; want %d", tt.name, got, tt.want)
		}
	}
	remove()
	if _, err := c.SearchCustomers(ctx, "dept-2", "x", 1); err != nil {
		t.Errorf("search at the department after remove: %v; want success", err)
	}
}
