package mykaarmatest

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadworker/leadworker/mykaarma"
)

// Default credentials.
const (
	DefaultUsername = "test-user"
	DefaultPassword = "test-pass"
)

// Scopes the fake checks.
const (
	ScopeCustomerSearch = "customer.search"
	ScopeCustomerUpdate = "customer.update"
	ScopeLeadWrite      = "lead.write"
)

// Operations, as in Request.Op and Fault.Op.
const (
	OpSearch = "search"
	OpRead   = "read"
	OpCreate = "create"
	OpUpdate = "update"
	OpLead   = "lead"
	OpNone   = "unknown" // a request no route matched
)

// maxRequestBody bounds what the fake reads of a request body.
const maxRequestBody = 1 << 20

// Options configures a Server. The zero value works.
type Options struct {
	Username, Password string           // accepted credentials; default DefaultUsername, DefaultPassword
	Now                func() time.Time // clock for timestamps; default time.Now
	Seed               int64            // seeds the rand behind Fault.Probability

	// NewestFirst makes searches return the newest matching customers first instead of the
	// oldest. The live API's order is not documented; this knob checks that a caller does not
	// depend on it.
	NewestFirst bool
}

// Request is one API call the fake received.
type Request struct {
	Op     string // OpSearch, ..., or OpNone
	Method string
	Path   string // unescaped path
	Query  url.Values
	Body   []byte
	// Header holds the request's headers, without Authorization (the
	// credentials): trace context (traceparent, tracestate), User-Agent.
	Header http.Header
	Status int // status answered; 0 when no response was sent (hang, drop)
	// Received is when the request arrived; At is when it was answered (or dropped) and
	// recorded. A request that arrives before its client dies can be recorded after.
	Received time.Time
	At       time.Time
}

// Server is the fake. It is an http.Handler; NewServer also serves it on loopback.
type Server struct {
	// URL is the base URL of a server started by NewServer, like "http://127.0.0.1:41234".
	URL string

	opts      Options
	closed    chan struct{}
	closeOnce sync.Once
	ts        *httptest.Server
	hanging   atomic.Int64

	mu          sync.Mutex
	release     chan struct{} // closed by ReleaseHanging
	username    string
	password    string
	denied      map[string]bool
	depts       map[string][]*mykaarma.CustomerWithVehicles // creation order
	index       map[string]*index                           // by department (index.go)
	leads       map[string][]mykaarma.Lead
	requests    []Request
	faults      []*faultEntry
	nextFault   int
	rng         *rand.Rand
	leadVerdict func(dealerUUID string, l mykaarma.Lead) string
}

// New returns an unstarted fake; serve it with any http.Server and call Close when done.
func New(opts Options) *Server {
	if opts.Username == "" {
		opts.Username = DefaultUsername
	}
	if opts.Password == "" {
		opts.Password = DefaultPassword
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, closed: make(chan struct{}), release: make(chan struct{})}
	s.resetLocked()
	return s
}

// TB is the part of testing.TB that NewServer uses; declaring it here keeps
// the testing package out of binaries that embed the fake.
type TB interface {
	Helper()
	Cleanup(func())
}

// NewServer starts a fake on 127.0.0.1 and closes it when tb's test ends.
func NewServer(tb TB, opts Options) *Server {
	tb.Helper()
	s := New(opts)
	s.ts = httptest.NewServer(s)
	s.URL = s.ts.URL
	tb.Cleanup(s.Close)
	return s
}

// Close releases hanging requests and, for a server started by NewServer, shuts it down.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		if s.ts != nil {
			s.ts.CloseClientConnections()
			s.ts.Close()
		}
	})
}

// Reset forgets customers, leads, requests, faults, denied scopes and the lead verdict override,
// and restores the credentials of Options.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
}

func (s *Server) resetLocked() {
	s.username, s.password = s.opts.Username, s.opts.Password
	s.denied = map[string]bool{}
	s.depts = map[string][]*mykaarma.CustomerWithVehicles{}
	s.index = map[string]*index{}
	s.leads = map[string][]mykaarma.Lead{}
	s.requests = nil
	s.faults = nil
	s.rng = rand.New(rand.NewPCG(uint64(s.opts.Seed), 0x6d796b61))
	s.leadVerdict = nil
}

// SetCredentials changes the accepted credentials.
func (s *Server) SetCredentials(username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.username, s.password = username, password
}

// DenyScope makes calls that need scope (ScopeCustomerSearch, ScopeCustomerUpdate,
// ScopeLeadWrite) answer 403 "ApiScope does not exist" until AllowScope or Reset.
func (s *Server) DenyScope(scope string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[scope] = true
}

// AllowScope undoes DenyScope.
func (s *Server) AllowScope(scope string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.denied, scope)
}

// SetLeadVerdict overrides the save-lead verdict (the response's message, such as
// mykaarma.LeadQueued); nil restores the default rules.
func (s *Server) SetLeadVerdict(f func(dealerUUID string, l mykaarma.Lead) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.leadVerdict = f
}

// ReleaseHanging ends the requests Hang faults are holding right now: each
// connection is closed without a response, as when the client gives up.
// Faults stay; later requests they match hang again.
func (s *Server) ReleaseHanging() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.release)
	s.release = make(chan struct{})
}

// Hanging returns how many requests a Hang fault is holding right now; tests wait on it.
func (s *Server) Hanging() int { return int(s.hanging.Load()) }

// Requests returns the calls received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Query = cloneValues(r.Query)
		r.Body = append([]byte(nil), r.Body...)
		out[i] = r
	}
	return out
}

// route is a matched API call.
type route struct {
	op     string
	scope  string
	params []string // department or dealer uuid, then customer uuid
}

// match maps method and path to an operation; ok is false for unknown routes.
func match(method, escapedPath string) (route, bool) {
	raw := strings.Split(strings.Trim(escapedPath, "/"), "/")
	seg := make([]string, len(raw))
	for i, r := range raw {
		u, err := url.PathUnescape(r)
		if err != nil || u == "" {
			return route{}, false
		}
		seg[i] = u
	}
	isCustomer := len(seg) >= 5 && seg[0] == "customer" && seg[1] == "v2" && seg[2] == "department" && seg[4] == "customer"
	switch {
	case isCustomer && len(seg) == 5 && method == http.MethodPost:
		return route{OpCreate, ScopeCustomerUpdate, seg[3:4]}, true
	case isCustomer && len(seg) == 6 && seg[5] == "listMinimal" && method == http.MethodGet:
		return route{OpSearch, ScopeCustomerSearch, seg[3:4]}, true
	case isCustomer && len(seg) == 6 && method == http.MethodGet:
		return route{OpRead, ScopeCustomerSearch, []string{seg[3], seg[5]}}, true
	case isCustomer && len(seg) == 6 && method == http.MethodPut:
		return route{OpUpdate, ScopeCustomerUpdate, []string{seg[3], seg[5]}}, true
	case len(seg) == 5 && seg[0] == "leads" && seg[1] == "v3" && seg[2] == "dealers" && seg[4] == "leads" && method == http.MethodPost:
		return route{OpLead, ScopeLeadWrite, seg[3:4]}, true
	}
	return route{}, false
}

// ServeHTTP serves the API: authentication, scope, faults, then the operation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	hdr := r.Header.Clone()
	hdr.Del("Authorization")
	rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body, Header: hdr, Op: OpNone, Received: s.opts.Now()}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		rec.Status = sw.status
		s.mu.Lock()
		rec.At = s.opts.Now()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
	}()

	rt, ok := match(r.Method, r.URL.EscapedPath())
	if ok {
		rec.Op = rt.op
	}
	if !s.authorized(r) {
		s.writeFramework(sw, r, http.StatusUnauthorized, "Full authentication is required to access this resource")
		return
	}
	if !ok {
		s.writeFramework(sw, r, http.StatusNotFound, "No message available")
		return
	}
	if s.scopeDenied(rt.scope) {
		s.writeFramework(sw, r, http.StatusForbidden, "ApiScope does not exist")
		return
	}
	if err != nil || len(body) > maxRequestBody {
		s.writeFramework(sw, r, http.StatusBadRequest, "request body unreadable or too large")
		return
	}
	if s.applyFaults(sw, r, rt, body) {
		return
	}
	s.serveOp(sw, r, rt, body)
}

// serveOp runs the operation and writes its response.
func (s *Server) serveOp(w http.ResponseWriter, r *http.Request, rt route, body []byte) {
	switch rt.op {
	case OpSearch:
		s.search(w, r, rt.params[0])
	case OpRead:
		s.read(w, r, rt.params[0], rt.params[1])
	case OpCreate:
		s.create(w, r, rt.params[0], body)
	case OpUpdate:
		s.update(w, r, rt.params[0], rt.params[1], body)
	case OpLead:
		s.saveLead(w, r, rt.params[0], body)
	}
}

func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	s.mu.Lock()
	defer s.mu.Unlock()
	return ok &&
		subtle.ConstantTimeCompare([]byte(user), []byte(s.username)) == 1 &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.password)) == 1
}

func (s *Server) scopeDenied(scope string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.denied[scope]
}

// writeFramework writes the framework-level 4XX/5XX body that "How to save a lead" shows.
func (s *Server) writeFramework(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, status, frameworkBody(s.opts.Now(), status, msg, r.URL.Path))
}

func frameworkBody(now time.Time, status int, msg, path string) map[string]any {
	return map[string]any{
		"timestamp": now.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		"status":    status,
		"error":     http.StatusText(status),
		"message":   msg,
		"path":      path,
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "fake: encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (DropAfterApply hijacks it).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
