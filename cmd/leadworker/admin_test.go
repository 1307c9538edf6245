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

// TestAdminDepartments: each admin action reaches its endpoint with the token.
func TestAdminDepartments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args       []string
		wantMethod string
		wantPath   string
		wantCode   int
	}{
		{args: []string{"departments"}, wantMethod: http.MethodGet, wantPath: "/admin/departments"},
		{args: []string{"resume", "--department", "d 1/x"}, wantMethod: http.MethodPost, wantPath: "/admin/resume?department=d+1%2Fx"},
		{args: []string{"resume", "-department=d-2"}, wantMethod: http.MethodPost, wantPath: "/admin/resume?department=d-2"},
		{args: []string{"resume"}, wantMethod: http.MethodPost, wantPath: "/admin/resume"},
		{args: []string{"resume", "--bogus"}, wantCode: 2},
		{args: []string{"resume", "extra"}, wantCode: 2},
		{args: []string{"departments", "extra"}, wantCode: 2},
	}
	for _, tt := range tests {
		var got, auth string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, auth = r.Method+" "+r.URL.RequestURI(), r.Header.Get("Authorization")
			w.Write([]byte(`{"ok":true}`))
		}))
		env := map[string]string{"ADMIN_ADDR": strings.TrimPrefix(srv.URL, "http://"), "ADMIN_TOKEN": "tok"}
		var out, errOut bytes.Buffer
		code := adminCommand(context.Background(), tt.args, &out, &errOut, lookupFrom(env))
		srv.Close()
		if code != tt.wantCode {
			t.Errorf("admin %v = %d; want %d (stderr %s)", tt.args, code, tt.wantCode, errOut.String())
			continue
		}
		if tt.wantCode != 0 {
			if got != "" {
				t.Errorf("admin %v sent %s; want nothing sent", tt.args, got)
			}
			continue
		}
		if want := tt.wantMethod + " " + tt.wantPath; got != want || auth != "Bearer tok" {
			t.Errorf("admin %v sent %q with %q; want %q with the token", tt.args, got, auth, want)
		}
	}
}
