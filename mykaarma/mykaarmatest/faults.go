package mykaarmatest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// Fault is a failure the fake injects into matching requests. See the package doc for how
// several faults combine.
type Fault struct {
	Op string `json:"op"` // OpSearch, ...; "" matches any operation
	// Department matches the calls whose path names this department UUID (customer calls) or
	// dealer UUID (save lead); "" matches every department and dealer.
	Department     string        `json:"department"`
	Status         int           `json:"status"`         // answer this status instead of serving the call
	Body           string        `json:"body"`           // body for Status; default the framework body; HTML when it starts with "<"
	RetryAfter     string        `json:"retryAfter"`     // Retry-After header value sent with Status
	Latency        time.Duration `json:"latency"`        // delay before answering (ends early if the client gives up)
	Hang           bool          `json:"hang"`           // never answer: block until the client gives up, ReleaseHanging or the server closes
	DropAfterApply bool          `json:"dropAfterApply"` // serve the call (state changes), then close the connection without a response
	Times          int           `json:"times"`          // apply this many times, then remove; 0 = until removed
	Probability    float64       `json:"probability"`    // 0 = always; else apply to each matching request with this probability
}

type faultEntry struct {
	id   int
	f    Fault
	left int // remaining applications when f.Times > 0
}

// AddFault injects f until remove is called, Times runs out or ClearFaults.
func (s *Server) AddFault(f Fault) (remove func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextFault++
	e := &faultEntry{id: s.nextFault, f: f, left: f.Times}
	s.faults = append(s.faults, e)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.removeFaultLocked(e.id)
	}
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// FailNext makes the next n requests for op ("" = any) answer status.
func (s *Server) FailNext(op string, n, status int) {
	s.AddFault(Fault{Op: op, Status: status, Times: n})
}

// DropNext makes the next n requests for op ("" = any) be served, changing the fake's state,
// and then left without an answer: the connection is closed, as when myKaarma applies a call
// and its answer is lost (a timeout or a reset on the way back). The client sees an error
// that is mykaarma.ErrOutcomeUnknown for a create or a save lead.
func (s *Server) DropNext(op string, n int) {
	s.AddFault(Fault{Op: op, DropAfterApply: true, Times: n})
}

func (s *Server) removeFaultLocked(id int) {
	for i, e := range s.faults {
		if e.id == id {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			return
		}
	}
}

// pickFaults returns the faults that apply to one request of op for dept (the department or
// dealer UUID of its path), consuming their Times.
func (s *Server) pickFaults(op, dept string) []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	var picked []Fault
	var spent []int
	for _, e := range s.faults {
		if (e.f.Op != "" && e.f.Op != op) || (e.f.Department != "" && e.f.Department != dept) {
			continue
		}
		if e.f.Probability > 0 && s.rng.Float64() >= e.f.Probability {
			continue
		}
		picked = append(picked, e.f)
		if e.f.Times > 0 {
			e.left--
			if e.left <= 0 {
				spent = append(spent, e.id)
			}
		}
	}
	for _, id := range spent {
		s.removeFaultLocked(id)
	}
	return picked
}

// applyFaults injects the faults matching rt; it reports whether the request has been dealt with.
func (s *Server) applyFaults(w *statusWriter, r *http.Request, rt route, body []byte) bool {
	faults := s.pickFaults(rt.op, rt.params[0])
	if len(faults) == 0 {
		return false
	}
	var latency time.Duration
	for _, f := range faults {
		latency += f.Latency
	}
	if latency > 0 {
		t := time.NewTimer(latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			drop(w)
			return true
		case <-s.closed:
			drop(w)
			return true
		}
	}
	for _, f := range faults {
		switch {
		case f.Hang:
			s.mu.Lock()
			release := s.release
			s.mu.Unlock()
			s.hanging.Add(1)
			defer s.hanging.Add(-1)
			select {
			case <-r.Context().Done():
			case <-s.closed:
			case <-release:
			}
			drop(w) // never an empty 200
			return true
		case f.DropAfterApply:
			s.serveOp(httptest.NewRecorder(), r, rt, body)
			drop(w)
			return true
		case f.Status != 0:
			writeFault(w, r, f, s)
			return true
		}
	}
	return false
}

// drop closes the connection without writing a response.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // closes the connection too, for writers that cannot hijack
	}
	_ = conn.Close()
}

func writeFault(w http.ResponseWriter, r *http.Request, f Fault, s *Server) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Body == "" {
		s.writeFramework(w, r, f.Status, "injected fault")
		return
	}
	if strings.HasPrefix(strings.TrimSpace(f.Body), "<") {
		w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(f.Body))
}
