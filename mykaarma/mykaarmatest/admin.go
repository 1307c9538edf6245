package mykaarmatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/leadworker/leadworker/mykaarma"
)

// AdminHandler serves the fake's control endpoints under /_fake/, without authentication, for
// processes that cannot call the Go API (docker-compose, scripts):
//
//	GET    /_fake/healthz                       200 "ok"
//	GET    /_fake/customers?department=UUID     that department's customers; all, by department, without the parameter
//	POST   /_fake/customers?department=UUID     seed one customer (CustomerWithVehicles JSON); answers {"uuid":...}
//	GET    /_fake/leads?dealer=UUID             that dealer's QUEUED leads; all, by dealer, without the parameter
//	GET    /_fake/requests                      the requests received
//	GET    /_fake/stats                         {"customers":n,"hanging":n}
//	POST   /_fake/faults                        add a Fault (JSON; latency as "250ms" or nanoseconds), e.g.
//	                                            {"op":"lead","dropAfterApply":true,"times":1}: save the next lead, answer nothing
//	DELETE /_fake/faults                        remove every fault
//	POST   /_fake/reset                         Reset
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_fake/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /_fake/customers", func(w http.ResponseWriter, r *http.Request) {
		if d := r.URL.Query().Get("department"); d != "" {
			writeJSON(w, http.StatusOK, s.Customers(d))
			return
		}
		writeJSON(w, http.StatusOK, s.AllCustomers())
	})
	mux.HandleFunc("POST /_fake/customers", func(w http.ResponseWriter, r *http.Request) {
		d := r.URL.Query().Get("department")
		var c mykaarma.CustomerWithVehicles
		if err := decodeAdmin(r, &c); err != nil || d == "" {
			adminError(w, http.StatusBadRequest, fmt.Sprintf("want ?department= and a CustomerWithVehicles body (%v)", err))
			return
		}
		writeJSON(w, http.StatusCreated, map[string]string{"uuid": s.AddCustomer(d, c)})
	})
	mux.HandleFunc("GET /_fake/leads", func(w http.ResponseWriter, r *http.Request) {
		if d := r.URL.Query().Get("dealer"); d != "" {
			writeJSON(w, http.StatusOK, s.Leads(d))
			return
		}
		writeJSON(w, http.StatusOK, s.AllLeads())
	})
	mux.HandleFunc("GET /_fake/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]int{"customers": s.CustomerCount(), "hanging": s.Hanging()})
	})
	mux.HandleFunc("GET /_fake/requests", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Requests())
	})
	mux.HandleFunc("POST /_fake/faults", func(w http.ResponseWriter, r *http.Request) {
		var f adminFault
		if err := decodeAdmin(r, &f); err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.AddFault(f.Fault)
		writeJSON(w, http.StatusCreated, f.Fault)
	})
	mux.HandleFunc("DELETE /_fake/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_fake/reset", func(w http.ResponseWriter, r *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// adminFault decodes a Fault whose latency may be a duration string.
type adminFault struct{ Fault }

func (f *adminFault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var aux struct {
		plain
		Latency json.RawMessage `json:"latency"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&aux); err != nil {
		return err
	}
	f.Fault = Fault(aux.plain)
	lat := strings.TrimSpace(string(aux.Latency))
	switch {
	case lat == "" || lat == "null":
	case strings.HasPrefix(lat, `"`):
		var str string
		if err := json.Unmarshal(aux.Latency, &str); err != nil {
			return err
		}
		d, err := time.ParseDuration(str)
		if err != nil {
			return fmt.Errorf("latency: %w", err)
		}
		f.Latency = d
	default:
		var n int64
		if err := json.Unmarshal(aux.Latency, &n); err != nil {
			return fmt.Errorf("latency: %w", err)
		}
		f.Latency = time.Duration(n)
	}
	if f.Probability < 0 || f.Probability > 1 || f.Times < 0 || f.Latency < 0 {
		return fmt.Errorf("probability must be in 0..1, times and latency not negative")
	}
	return nil
}

func decodeAdmin(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxRequestBody))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func adminError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
