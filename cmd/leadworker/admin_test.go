package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProbe(t *testing.T) {
	t.Parallel()
	status := map[string]int{"/healthz": http.StatusOK, "/readyz": http.StatusServiceUnavailable}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status[r.URL.Path])
		w.Write([]byte(`{"path":"` + r.URL.Path + `"}`))
	}))
	defer srv.Close()
	env := map[string]string{"HTTP_ADDR": strings.TrimPrefix(srv.URL, "http://")}
	for _, tt := range []struct {
		arg  string
		want int
	}{{"alive", 0}, {"ready", 1}, {"bogus", 2}} {
		var out, errOut bytes.Buffer
		if got := probeCommand(context.Background(), []string{tt.arg}, &out, &errOut, lookupFrom(env)); got != tt.want {
			t.Errorf("probe %s = %d; want %d (stderr %s)", tt.arg, got, tt.want, errOut.String())
		}
	}
}

func TestAdminResumeSendsTheToken(t *testing.T) {
	t.Parallel()
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/admin/resume" {
			http.NotFound(w, r)
			return
		}
		got = r.Header.Get("Authorization")
		w.Write([]byte(`{"resumed":true}`))
	}))
	defer srv.Close()
	env := map[string]string{"ADMIN_ADDR": strings.TrimPrefix(srv.URL, "http://"), "ADMIN_TOKEN": "tok"}
	var out, errOut bytes.Buffer
	if code := adminCommand(context.Background(), []string{"resume"}, &out, &errOut, lookupFrom(env)); code != 0 {
		t.Fatalf("admin resume = %d; stderr %s", code, errOut.String())
	}
	if got != "Bearer tok" || !strings.Contains(out.String(), `"resumed":true`) {
		t.Errorf("Authorization = %q, output %q", got, out.String())
	}
}
