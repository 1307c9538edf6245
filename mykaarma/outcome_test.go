package mykaarma_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/leadworker/leadworker/mykaarma"
)

// TestOutcomeUnknownBoundary: a POST written whole is of unknown outcome when no status
// arrives, or a 2xx whose body is cut off; any other status is an answer, and a method
// that may be repeated is never of unknown outcome.
func TestOutcomeUnknownBoundary(t *testing.T) {
	t.Parallel()
	// Each server reads the whole request first: it was written.
	drop := func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		_ = conn.Close()
	}
	cutBody := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"errors":[`)
			// The handler returns short of Content-Length: the server closes the connection.
		}
	}
	tests := []struct {
		name    string
		op      string
		handler http.HandlerFunc
		unknown bool
		status  int
	}{
		{"lead dropped", "lead", drop, true, 0},
		{"create dropped", "create", drop, true, 0},
		{"update dropped", "update", drop, false, 0},
		{"search dropped", "search", drop, false, 0},
		{"read dropped", "read", drop, false, 0},
		{"lead 200 cut", "lead", cutBody(http.StatusOK), true, 200},
		{"create 201 cut", "create", cutBody(http.StatusCreated), true, 201},
		{"lead 503 cut", "lead", cutBody(http.StatusServiceUnavailable), false, 503},
		{"lead 429 cut", "lead", cutBody(http.StatusTooManyRequests), false, 429},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			c, err := mykaarma.New(srv.URL, mykaarma.Options{Username: "u", Password: "p"})
			if err != nil {
				t.Fatal(err)
			}
			err = call(context.Background(), c, tt.op, "c-1")
			var e *mykaarma.Error
			if !errors.As(err, &e) || !errors.Is(err, mykaarma.ErrTransient) {
				t.Fatalf("%s error = %v; want a transient *Error", tt.op, err)
			}
			if got := errors.Is(err, mykaarma.ErrOutcomeUnknown); got != tt.unknown {
				t.Errorf("errors.Is(%v, ErrOutcomeUnknown) = %v; want %v", err, got, tt.unknown)
			}
			if e.StatusCode != tt.status {
				t.Errorf("StatusCode = %d; want %d", e.StatusCode, tt.status)
			}
		})
	}
}
