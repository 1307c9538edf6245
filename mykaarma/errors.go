package mykaarma

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error classes, reached with errors.Is on any error the Client returns.
var (
	// ErrTransient: transport errors, the client's per-call timeout, 408, 429 and 5xx.
	// Retrying later may succeed.
	ErrTransient = errors.New("mykaarma: transient failure")
	// ErrAuth: 401 or 403, bad credentials or a missing scope. Retrying will not help.
	// ErrCredentials and ErrScope tell the two apart; both are also ErrAuth.
	ErrAuth = errors.New("mykaarma: authentication or authorization failure")
	// ErrCredentials: 401, the credentials themselves are refused. Every call uses the same
	// service subscriber, so every department is affected.
	ErrCredentials error = &subclass{msg: "mykaarma: credentials refused", of: ErrAuth}
	// ErrScope: 403, a scope is missing (customer.search and customer.update are granted per
	// dealer department, lead.write per dealer): the department of the call is affected, not
	// the others.
	ErrScope error = &subclass{msg: "mykaarma: scope missing", of: ErrAuth}
	// ErrRejected: myKaarma refused or could not answer this request: other 4XX, a 2xx with a
	// non-empty errors list, a non-JSON, oversized or undecodable 2xx body, an unknown lead verdict.
	ErrRejected = errors.New("mykaarma: request rejected")
)

// subclass is a class sentinel that is also its parent class (errors.Is reaches both).
type subclass struct {
	msg string
	of  error
}

func (e *subclass) Error() string { return e.msg }
func (e *subclass) Unwrap() error { return e.of }

// ErrOutcomeUnknown is reached with errors.Is, beside ErrTransient (or the caller's context
// error), when a create customer or save lead, the POSTs that myKaarma does not make
// idempotent, was written whole to the connection and no answer came back: the per-call
// timeout ran out, or the connection was closed or reset (EOF) before a status arrived, or a
// 2xx status came and its body was cut off. myKaarma may have applied the request. It is
// never set when a status other than 2xx arrived (5xx, 429 and the like are answers), when
// the request could not be written whole (dial failures, a reset while writing), or for
// searches, reads and updates.
var ErrOutcomeUnknown = errors.New("mykaarma: outcome unknown, the request may have been applied")

// maxErrorBody is how much of a response body an Error keeps.
const maxErrorBody = 1 << 10

// Error is a failed call. Classify it with errors.Is (ErrTransient, ErrAuth and within it
// ErrCredentials or ErrScope, ErrRejected, ErrOutcomeUnknown, context.Canceled,
// context.DeadlineExceeded) and read details with errors.As.
type Error struct {
	Op         string        // "search", "read", "create", "update" or "lead"
	StatusCode int           // HTTP status; 0 for transport errors
	Body       []byte        // response body, secrets redacted, then at most 1 KiB kept
	Problems   []Problem     // the customer API's errors list
	Lead       *LeadError    // the save-lead error object
	Message    string        // the framework 4XX message, or a short reason such as "non-JSON body"
	RetryAfter time.Duration // from the Retry-After header; 0 if none
	Err        error         // underlying transport or context error, or nil

	class         error // ErrTransient, ErrCredentials, ErrScope, ErrRejected, or nil when the caller's context ended
	unknown       bool  // ErrOutcomeUnknown
	retryAfterSet bool
	redactor      redactor // applied to the whole of Error(), the underlying error's text included
}

// Error describes the failure without URLs, headers or credentials.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("mykaarma ")
	b.WriteString(e.Op)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": status %d", e.StatusCode)
	}
	switch e.class {
	case ErrTransient:
		b.WriteString(": transient")
	case ErrCredentials:
		b.WriteString(": auth: credentials refused")
	case ErrScope:
		b.WriteString(": auth: scope missing")
	case ErrRejected:
		b.WriteString(": rejected")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for i, p := range e.Problems {
		if i == 3 {
			fmt.Fprintf(&b, " (and %d more)", len(e.Problems)-i)
			break
		}
		fmt.Fprintf(&b, "; error %d %s", p.Code, strings.TrimSpace(p.Title+" "+p.Message))
	}
	if e.Lead != nil && (e.Lead.Code != "" || e.Lead.Description != "") {
		fmt.Fprintf(&b, "; lead error %s %s", e.Lead.Code, e.Lead.Description)
	}
	if e.retryAfterSet {
		fmt.Fprintf(&b, "; retry after %s", e.RetryAfter)
	}
	if e.unknown {
		b.WriteString(": sent without an answer, may have been applied")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return e.redactor.redact(b.String())
}

// Unwrap returns the class sentinel, ErrOutcomeUnknown and the underlying error, whichever
// are set.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.class != nil {
		errs = append(errs, e.class)
	}
	if e.unknown {
		errs = append(errs, ErrOutcomeUnknown)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// RetryAfter returns the delay myKaarma asked for in a Retry-After header, if err carries one.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if !errors.As(err, &e) || !e.retryAfterSet {
		return 0, false
	}
	return e.RetryAfter, true
}

// newError builds a response error with the whole body; the Client redacts it and then keeps at
// most maxErrorBody of it (see Client.redact).
func newError(op string, status int, body []byte, class error, msg string) *Error {
	return &Error{Op: op, StatusCode: status, Body: body, class: class, Message: msg}
}

// checkResponse returns nil for a 2xx JSON body without errors, and an *Error otherwise.
// tooLarge tells that body was cut at the size limit; now is the clock for Retry-After dates.
func checkResponse(op string, resp *http.Response, body []byte, tooLarge bool, now time.Time) error {
	status := resp.StatusCode
	if status >= 200 && status < 300 {
		switch {
		case tooLarge:
			return newError(op, status, body, ErrRejected, "response body too large")
		case !isJSONObject(body):
			return newError(op, status, body, ErrRejected, "non-JSON body")
		}
		p := parseBody(body)
		if p.hasErrors {
			e := newError(op, status, body, ErrRejected, "errors list in response")
			e.Problems = p.problems
			return e
		}
		return nil
	}

	var class error
	switch {
	case status == http.StatusUnauthorized:
		class = ErrCredentials
	case status == http.StatusForbidden:
		class = ErrScope
	case TransientStatus(status):
		class = ErrTransient
	default:
		class = ErrRejected
	}
	e := newError(op, status, body, class, "")
	if isJSONObject(body) {
		p := parseBody(body)
		e.Message = p.message
		e.Problems = p.problems
		e.Lead = p.lead
	} else if len(bytes.TrimSpace(body)) > 0 {
		e.Message = "non-JSON body"
	}
	if e.Message == "" {
		e.Message = strings.ToLower(http.StatusText(status))
	}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
		e.RetryAfter, e.retryAfterSet = d, true
	}
	return e
}

func isJSONObject(body []byte) bool {
	t := bytes.TrimSpace(body)
	return len(t) > 0 && t[0] == '{' && json.Valid(t)
}

// parsedBody is what checkResponse reads from any of the API's body shapes, tolerantly.
type parsedBody struct {
	message   string     // framework 4XX "message", or "error" when that is a string
	problems  []Problem  // customer "errors"
	hasErrors bool       // "errors" is a non-empty list, whatever its entries look like
	lead      *LeadError // lead "error" object
}

func parseBody(body []byte) parsedBody {
	var p parsedBody
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return p
	}
	var s string
	if raw, ok := fields["message"]; ok && json.Unmarshal(raw, &s) == nil {
		p.message = strings.TrimSpace(s)
	}
	if raw, ok := fields["error"]; ok {
		if json.Unmarshal(raw, &s) == nil {
			if p.message == "" {
				p.message = s
			}
		} else {
			var le LeadError
			if json.Unmarshal(raw, &le) == nil && (le.Code != "" || le.Description != "" || le.UID != "") {
				p.lead = &le
			}
		}
	}
	if raw, ok := fields["errors"]; ok {
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
			p.hasErrors = true
			for _, item := range list {
				var pr Problem
				if json.Unmarshal(item, &pr) == nil {
					p.problems = append(p.problems, pr)
				}
			}
		}
	}
	return p
}

// parseRetryAfter reads delta-seconds or an HTTP date (relative to now; a past date is 0).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		const maxSeconds = int64(1<<63-1) / int64(time.Second)
		return time.Duration(min(n, maxSeconds)) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// TransientStatus reports whether an HTTP status is a transient failure worth retrying: 408,
// 429 and every 5xx. Errors with such a status are classed ErrTransient.
func TransientStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}
