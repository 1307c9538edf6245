package mykaarma_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestFaults runs each fault of the fake against the client and checks the classification.
func TestFaults(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		op      string
		opts    func(*mykaarma.Options)
		fault   func(*mykaarmatest.Server)
		want    error // class; nil means success
		status  int
		message string // substring of Error.Message
		retry   time.Duration
		unknown bool // ErrOutcomeUnknown
		check   func(t *testing.T, s *mykaarmatest.Server, e *mykaarma.Error)
	}{
		{name: "503 on search", op: "search", fault: func(s *mykaarmatest.Server) { s.FailNext("search", 1, 503) },
			want: mykaarma.ErrTransient, status: 503, message: "injected fault"},
		{name: "500 on create", op: "create", fault: func(s *mykaarmatest.Server) { s.FailNext("", 1, 500) },
			want: mykaarma.ErrTransient, status: 500},
		{name: "408", op: "read", fault: func(s *mykaarmatest.Server) { s.FailNext("read", 1, 408) },
			want: mykaarma.ErrTransient, status: 408},
		{name: "429 retry-after seconds", op: "lead", fault: func(s *mykaarmatest.Server) {
			s.AddFault(mykaarmatest.Fault{Status: 429, RetryAfter: "7", Times: 1})
		}, want: mykaarma.ErrTransient, status: 429, retry: 7 * time.Second},
		{name: "429 retry-after date", op: "search", fault: func(s *mykaarmatest.Server) {
			s.AddFault(mykaarmatest.Fault{Status: 429, RetryAfter: now.Add(90 * time.Second).Format(http.TimeFormat), Times: 1})
		}, want: mykaarma.ErrTransient, status: 429, retry: 90 * time.Second},
		{name: "503 retry-after date in the past", op: "search", fault: func(s *mykaarmatest.Server) {
			s.AddFault(mykaarmatest.Fault{Status: 503, RetryAfter: now.Add(-time.Hour).Format(http.TimeFormat), Times: 1})
		}, want: mykaarma.ErrTransient, status: 503, retry: 0},
		{name: "401 wrong credentials", op: "search", fault: func(s *mykaarmatest.Server) { s.SetCredentials("rotated", "new-pass") },
			want: mykaarma.ErrAuth, status: 401, message: "Full authentication"},
		{name: "403 missing scope", op: "lead", fault: func(s *mykaarmatest.Server) { s.DenyScope(mykaarmatest.ScopeLeadWrite) },
			want: mykaarma.ErrAuth, status: 403, message: "ApiScope does not exist"},
		{name: "400 framework body", op: "lead", fault: func(s *mykaarmatest.Server) {
			s.AddFault(mykaarmatest.Fault{Status: 400, Body: `{"timestamp":"2024-06-08T11:00:00.000Z","status":400,"error":"Bad Request","message":"leadType is invalid","path":"/leads"}`})
		}, want: mykaarma.ErrRejected, status: 400, message: "leadType is invalid"},
		{name: "200 html login page", op: "search", fault: func(s *mykaarmatest.Server) {
			s.AddFault(mykaarmatest.Fault{Status: 200, Body: "<html><body>Login</body></html>"})
		}, want: mykaarma.ErrRejected, status: 200, message: "non-JSON body"},
		{name: "2xx with errors list", op: "create", fault: func(s *mykaarmatest.Server) {
			s.AddFault(mykaarmatest.Fault{Status: 200, Body: `{"errors":[{"errorCode":5,"errorTitle":"BAD","errorMessage":"no"}],"warnings":[]}`})
		}, want: mykaarma.ErrRejected, status: 200, check: func(t *testing.T, _ *mykaarmatest.Server, e *mykaarma.Error) {
			if len(e.Problems) != 1 || e.Problems[0].Code != 5 {
				t.Errorf("Problems = %+v; want one with code 5", e.Problems)
			}
		}},
		{name: "read unknown customer", op: "read-unknown", want: mykaarma.ErrRejected, status: 404,
			check: func(t *testing.T, _ *mykaarmatest.Server, e *mykaarma.Error) {
				if len(e.Problems) != 1 || e.Problems[0].Code != mykaarmatest.ErrCodeCustomerNotFound {
					t.Errorf("Problems = %+v; want code %d", e.Problems, mykaarmatest.ErrCodeCustomerNotFound)
				}
			}},
		{name: "undecodable 2xx", op: "search", fault: func(s *mykaarmatest.Server) {
			s.AddFault(mykaarmatest.Fault{Status: 200, Body: `{"matchingCustomers":"nope"}`})
		}, want: mykaarma.ErrRejected, status: 200, message: "undecodable"},
		{name: "oversize 2xx body", op: "search", opts: func(o *mykaarma.Options) { o.MaxResponseBytes = 64 },
			fault: func(s *mykaarmatest.Server) {
				s.AddFault(mykaarmatest.Fault{Status: 200, Body: `{"errors":[],"warnings":[],"matchingCustomers":[],"pad":"` + strings.Repeat("x", 100) + `"}`})
			}, want: mykaarma.ErrRejected, status: 200, message: "too large"},
		{name: "oversize 5xx body stays transient", op: "search", opts: func(o *mykaarma.Options) { o.MaxResponseBytes = 64 },
			fault: func(s *mykaarmatest.Server) {
				s.AddFault(mykaarmatest.Fault{Status: 502, Body: strings.Repeat("<p>bad gateway</p>", 200)})
			}, want: mykaarma.ErrTransient, status: 502, check: func(t *testing.T, _ *mykaarmatest.Server, e *mykaarma.Error) {
				if len(e.Body) > 64 {
					t.Errorf("len(Body) = %d; want at most 64", len(e.Body))
				}
			}},
		{name: "hang until per-call timeout on search", op: "search", opts: func(o *mykaarma.Options) { o.Timeout = 100 * time.Millisecond },
			fault: func(s *mykaarmatest.Server) { s.AddFault(mykaarmatest.Fault{Hang: true}) },
			want:  mykaarma.ErrTransient, message: "no response within", check: func(t *testing.T, _ *mykaarmatest.Server, e *mykaarma.Error) {
				if !errors.Is(e, context.DeadlineExceeded) {
					t.Errorf("errors.Is(%v, context.DeadlineExceeded) = false; want true", e)
				}
			}},
		{name: "hang until per-call timeout on create", op: "create", opts: func(o *mykaarma.Options) { o.Timeout = 100 * time.Millisecond },
			fault: func(s *mykaarmatest.Server) { s.AddFault(mykaarmatest.Fault{Op: "create", Hang: true}) },
			want:  mykaarma.ErrTransient, unknown: true},
		{name: "accept then drop", op: "create", fault: func(s *mykaarmatest.Server) {
			s.AddFault(mykaarmatest.Fault{Op: "create", DropAfterApply: true, Times: 1})
		}, want: mykaarma.ErrTransient, unknown: true, check: func(t *testing.T, s *mykaarmatest.Server, _ *mykaarma.Error) {
			if got := s.Customers(dept); len(got) != 2 || got[1].Customer.CustomerKey != "NEW1" {
				t.Errorf("fake customers = %d, want the dropped create applied", len(got))
			}
		}},
		{name: "accept then drop lead", op: "lead", fault: func(s *mykaarmatest.Server) {
			s.AddFault(mykaarmatest.Fault{Op: "lead", DropAfterApply: true})
		}, want: mykaarma.ErrTransient, unknown: true, check: func(t *testing.T, s *mykaarmatest.Server, _ *mykaarma.Error) {
			if n := len(s.Leads(dealer)); n != 1 {
				t.Errorf("fake leads = %d; want 1", n)
			}
		}},
		{name: "latency below timeout succeeds", op: "update", fault: func(s *mykaarmatest.Server) {
			s.AddFault(mykaarmatest.Fault{Latency: 50 * time.Millisecond})
		}},
		{name: "latency above timeout on update", op: "update", opts: func(o *mykaarma.Options) { o.Timeout = 50 * time.Millisecond },
			fault: func(s *mykaarmatest.Server) { s.AddFault(mykaarmatest.Fault{Latency: time.Minute}) },
			want:  mykaarma.ErrTransient, message: "no response within"}, // an update may be repeated: never unknown
		{name: "hang until per-call timeout on lead", op: "lead", opts: func(o *mykaarma.Options) { o.Timeout = 100 * time.Millisecond },
			fault: func(s *mykaarmatest.Server) { s.AddFault(mykaarmatest.Fault{Op: "lead", Hang: true}) },
			want:  mykaarma.ErrTransient, message: "no response within", unknown: true},
		{name: "drop on update", op: "update", fault: func(s *mykaarmatest.Server) { s.AddFault(mykaarmatest.Fault{DropAfterApply: true}) },
			want: mykaarma.ErrTransient},
		{name: "drop on search", op: "search", fault: func(s *mykaarmatest.Server) { s.AddFault(mykaarmatest.Fault{DropAfterApply: true}) },
			want: mykaarma.ErrTransient},
		{name: "503 on lead is an answer", op: "lead", fault: func(s *mykaarmatest.Server) { s.FailNext("lead", 1, 503) },
			want: mykaarma.ErrTransient, status: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, fake := setup(t, tt.opts)
			mykaarma.SetNow(c, func() time.Time { return now })
			id := fake.AddCustomer(dept, seedCustomer())
			if tt.fault != nil {
				tt.fault(fake)
			}
			op := tt.op
			if op == "read-unknown" {
				op, id = "read", "no-such-customer"
			}
			err := call(context.Background(), c, op, id)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("%s error: %v; want nil", op, err)
				}
				return
			}
			t.Logf("%s error: %v", op, err)
			if !errors.Is(err, tt.want) {
				t.Fatalf("%s error = %v; want %v", op, err, tt.want)
			}
			var e *mykaarma.Error
			if !errors.As(err, &e) {
				t.Fatalf("%s error %T is not *mykaarma.Error", op, err)
			}
			if e.Op != op {
				t.Errorf("Op = %q; want %q", e.Op, op)
			}
			if e.StatusCode != tt.status {
				t.Errorf("StatusCode = %d; want %d", e.StatusCode, tt.status)
			}
			if !strings.Contains(e.Message, tt.message) {
				t.Errorf("Message = %q; want it to contain %q", e.Message, tt.message)
			}
			if got, _ := mykaarma.RetryAfter(err); got != tt.retry {
				t.Errorf("RetryAfter = %v; want %v", got, tt.retry)
			}
			if got := errors.Is(err, mykaarma.ErrOutcomeUnknown); got != tt.unknown {
				t.Errorf("errors.Is(%v, ErrOutcomeUnknown) = %v; want %v", err, got, tt.unknown)
			}
			if !strings.HasPrefix(err.Error(), "mykaarma "+op) {
				t.Errorf("Error() = %q; want it to start with %q", err, "mykaarma "+op)
			}
			if tt.check != nil {
				tt.check(t, fake, e)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	if d, ok := mykaarma.RetryAfter(errors.New("plain")); ok || d != 0 {
		t.Errorf("RetryAfter(plain error) = %v, %v; want 0, false", d, ok)
	}
	c, fake := setup(t, nil)
	fake.FailNext("", 1, 503)
	_, err := c.SearchCustomers(context.Background(), dept, "x", 1)
	if d, ok := mykaarma.RetryAfter(err); ok || d != 0 {
		t.Errorf("RetryAfter(503 without header) = %v, %v; want 0, false", d, ok)
	}
}

// TestAuthSplit: a 401 concerns every call (the credentials), a 403 the
// call's department (a scope); both stay ErrAuth, and neither is the other.
func TestAuthSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      func(*mykaarmatest.Server)
		want, not  error
		status     int
		errorsText string
	}{
		{name: "401", fault: func(s *mykaarmatest.Server) { s.SetCredentials("rotated", "new-pass") },
			want: mykaarma.ErrCredentials, not: mykaarma.ErrScope, status: 401, errorsText: "credentials refused"},
		{name: "403", fault: func(s *mykaarmatest.Server) { s.DenyScope(mykaarmatest.ScopeCustomerSearch) },
			want: mykaarma.ErrScope, not: mykaarma.ErrCredentials, status: 403, errorsText: "scope missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, fake := setup(t, nil)
			tt.fault(fake)
			_, err := c.SearchCustomers(context.Background(), dept, "x", 1)
			if !errors.Is(err, tt.want) || !errors.Is(err, mykaarma.ErrAuth) || errors.Is(err, tt.not) {
				t.Errorf("SearchCustomers error = %v; want %v and ErrAuth, not %v", err, tt.want, tt.not)
			}
			if errors.Is(err, mykaarma.ErrTransient) || errors.Is(err, mykaarma.ErrRejected) {
				t.Errorf("SearchCustomers error = %v; want no other class", err)
			}
			var e *mykaarma.Error
			if !errors.As(err, &e) || e.StatusCode != tt.status {
				t.Fatalf("SearchCustomers error = %v; want *mykaarma.Error with status %d", err, tt.status)
			}
			if !strings.Contains(err.Error(), tt.errorsText) {
				t.Errorf("Error() = %q; want it to say %q", err, tt.errorsText)
			}
		})
	}
}
