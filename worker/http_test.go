package worker

import (
	"net/http"
	"net/http/httptest"
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
