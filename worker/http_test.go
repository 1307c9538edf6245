package worker

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/leadworker/leadworker/guard"
)

func newTestWorker(t *testing.T, token string) *Worker {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Brokers = []string{"127.0.0.1:1"} // never dialled here
	cfg.Username, cfg.Password, cfg.AdminToken = "u", "p", token
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestAdminIsNotOnThePublicAddress: probes and scrapers reach HTTP_ADDR, so
// nothing there may change the worker.
func TestAdminIsNotOnThePublicAddress(t *testing.T) {
	t.Parallel()
	w := newTestWorker(t, "")
	w.guards.gate.Pause(guard.ReasonFlood, false)
	rec := httptest.NewRecorder()
	w.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/admin/resume", nil))
	if rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /admin/resume on the public handler = %d; want 404 or 405", rec.Code)
	}
	if !w.guards.gate.IsPaused(guard.ReasonFlood) {
		t.Error("the public handler lifted the flood pause")
	}
}

func TestAdminToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, token, auth string
		want              int
		resumed           bool
	}{
		{name: "no token configured", want: http.StatusOK, resumed: true},
		{name: "missing", token: "s3cret", want: http.StatusUnauthorized},
		{name: "wrong", token: "s3cret", auth: "Bearer nope", want: http.StatusUnauthorized},
		{name: "not bearer", token: "s3cret", auth: "Basic s3cret", want: http.StatusUnauthorized},
		{name: "right", token: "s3cret", auth: "Bearer s3cret", want: http.StatusOK, resumed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorker(t, tt.token)
			w.guards.gate.Pause(guard.ReasonFlood, false)
			req := httptest.NewRequest(http.MethodPost, "/admin/resume", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			w.AdminHandler().ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("POST /admin/resume = %d; want %d", rec.Code, tt.want)
			}
			if got := !w.guards.gate.IsPaused(guard.ReasonFlood); got != tt.resumed {
				t.Errorf("resumed = %v; want %v", got, tt.resumed)
			}
		})
	}
}

// TestAdminDepartments: GET /admin/departments lists the paused departments
// and POST /admin/resume?department= forces a probe, both behind the admin
// token; the public handler has neither.
func TestAdminDepartments(t *testing.T) {
	t.Parallel()
	w := newTestWorker(t, "s3cret")
	w.guards.depts.Pause("d-1", guard.ReasonScope, nil)
	serve := func(h http.Handler, method, path, auth string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	tests := []struct {
		name, method, path, auth string
		public                   bool
		want                     int
		body                     string // a substring of the answer
	}{
		{name: "list without the token", method: http.MethodGet, path: "/admin/departments", want: http.StatusUnauthorized},
		{name: "list", method: http.MethodGet, path: "/admin/departments", auth: "Bearer s3cret", want: http.StatusOK,
			body: `"department":"d-1","reason":"scope"`},
		{name: "list on the public address", method: http.MethodGet, path: "/admin/departments", public: true, want: http.StatusNotFound},
		{name: "probe without the token", method: http.MethodPost, path: "/admin/resume?department=d-1", want: http.StatusUnauthorized},
		{name: "probe a department not paused", method: http.MethodPost, path: "/admin/resume?department=d-2", auth: "Bearer s3cret", want: http.StatusNotFound},
		{name: "probe", method: http.MethodPost, path: "/admin/resume?department=d-1", auth: "Bearer s3cret", want: http.StatusOK, body: `"department":"d-1"`},
	}
	for _, tt := range tests {
		h := w.AdminHandler()
		if tt.public {
			h = w.Handler()
		}
		rec := serve(h, tt.method, tt.path, tt.auth)
		if rec.Code != tt.want || !strings.Contains(rec.Body.String(), tt.body) {
			t.Errorf("%s: %s %s = %d %s; want %d with %s", tt.name, tt.method, tt.path, rec.Code, rec.Body.String(), tt.want, tt.body)
		}
	}
	if probe, err := w.guards.depts.Enter("d-1"); !probe || err != nil {
		t.Errorf("after POST /admin/resume?department=d-1: Enter = %v, %v; want the probe at once", probe, err)
	}
}

// TestReadyWithPausedDepartments: paused departments leave the worker
// ready; /readyz lists them.
func TestReadyWithPausedDepartments(t *testing.T) {
	t.Parallel()
	w := newTestWorker(t, "")
	w.guards.depts.Pause("d-1", guard.ReasonCircuit, nil)
	list, total := pausedDepartments(w.guards.depts, false, maxListedDepartments)
	if total != 1 || len(list) != 1 || list[0].Department != "d-1" || list[0].Reason != guard.ReasonCircuit || list[0].NextProbe != nil {
		t.Errorf("pausedDepartments() = %+v, %d; want d-1 (circuit), without the probe schedule", list, total)
	}
	rec := httptest.NewRecorder()
	w.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if !strings.Contains(rec.Body.String(), `"pausedDepartments":1`) || !strings.Contains(rec.Body.String(), `"department":"d-1"`) {
		t.Errorf("/readyz body = %s; want d-1 listed", rec.Body.String())
	}
}
