package mykaarma

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults applied by New to zero Options fields.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultMaxResponseBytes = 1 << 20
	DefaultUserAgent        = "leadworker-mykaarma"
)

// Options configures a Client. Username and Password are required; the zero value of every other
// field picks the documented default.
type Options struct {
	// Username and Password of the myKaarma ServiceSubscriber account (HTTP Basic).
	Username, Password string
	// HTTPClient sends the requests; nil means a client of the package's own. Its Timeout, if
	// any, applies on top of Timeout.
	HTTPClient *http.Client
	// Timeout bounds one call, response body included. Default DefaultTimeout.
	Timeout time.Duration
	// MaxResponseBytes is the largest response body read. A larger 2xx body is a rejection.
	// Default DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// UserAgent is sent with every request. Default DefaultUserAgent.
	UserAgent string
}

// Client calls the myKaarma API. It is safe for concurrent use.
type Client struct {
	baseURL    *url.URL
	httpClient *http.Client
	username   string
	password   string
	timeout    time.Duration
	maxBytes   int64
	userAgent  string
	now        func() time.Time // clock for Retry-After HTTP dates; tests replace it
	redactor   redactor         // the password and the Basic token
}

// New returns a Client for baseURL (for example https://api.mykaarma.com). baseURL must be an
// absolute http or https URL without user information, query or fragment.
func New(baseURL string, opts Options) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, errors.New("mykaarma: base url does not parse")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("mykaarma: base url scheme %q: want http or https", u.Scheme)
	case u.Host == "":
		return nil, errors.New("mykaarma: base url has no host")
	case u.User != nil:
		return nil, errors.New("mykaarma: base url must not carry credentials; use Options.Username and Password")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, errors.New("mykaarma: base url must not have a query or fragment")
	}
	if opts.Username == "" || opts.Password == "" {
		return nil, errors.New("mykaarma: username and password are required")
	}
	if opts.Timeout < 0 || opts.MaxResponseBytes < 0 {
		return nil, errors.New("mykaarma: timeout and max response bytes must not be negative")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	c := &Client{
		baseURL:    u,
		httpClient: opts.HTTPClient,
		username:   opts.Username,
		password:   opts.Password,
		timeout:    opts.Timeout,
		maxBytes:   opts.MaxResponseBytes,
		userAgent:  opts.UserAgent,
		now:        time.Now,
		redactor:   newRedactor(opts.Password, basicToken(opts.Username, opts.Password)),
	}
	if c.httpClient == nil {
		c.httpClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBytes == 0 {
		c.maxBytes = DefaultMaxResponseBytes
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	return c, nil
}

// newRequest builds a request for path (already escaped, starting with "/") below the base URL.
// A non-nil body is sent as JSON.
func (c *Client) newRequest(ctx context.Context, method, path string, query url.Values, body any) (*http.Request, error) {
	u := *c.baseURL
	u.Path = ""
	u.RawPath = ""
	u.Opaque = ""
	ref := c.baseURL.EscapedPath() + path
	if query != nil {
		ref += "?" + query.Encode()
	}
	full, err := u.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("build url: %w", err)
	}
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode body: %w", err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, full.String(), r)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.SetBasicAuth(c.username, c.password)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// response is what do hands back on success: the status and the raw body.
type response struct {
	status int
	body   []byte
}

// do sends req under the per-call timeout, reads at most maxBytes of the body, classifies the
// outcome with checkResponse and, when out is not nil, decodes the body into it.
func (c *Client) do(op string, req *http.Request, out any) (*response, error) {
	parent := req.Context()
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()
	// written: the whole request reached the connection, so the server may act on it. The
	// transport resends a POST only when none of it was written, and reports each write.
	var written atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) { written.Store(info.Err == nil) },
	})
	req = req.WithContext(ctx)

	resp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, c.transportError(op, req.Method, 0, parent, ctx, err, written.Load())
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1))
	if err != nil {
		return nil, c.transportError(op, req.Method, resp.StatusCode, parent, ctx, err, true)
	}
	tooLarge := int64(len(body)) > c.maxBytes
	if tooLarge {
		body = body[:c.maxBytes]
	}
	if err := checkResponse(op, resp, body, tooLarge, c.now()); err != nil {
		return nil, c.redact(err, tooLarge)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return nil, c.redact(newError(op, resp.StatusCode, body, ErrRejected, "undecodable body: "+err.Error()), false)
		}
	}
	return &response{status: resp.StatusCode, body: body}, nil
}

// transportError classifies a failure to get or read a response: status is the response's,
// 0 when none arrived; written tells whether the whole request was written to the
// connection. A POST written whole without a complete 2xx answer is ErrOutcomeUnknown.
func (c *Client) transportError(op, method string, status int, parent, call context.Context, err error, written bool) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the url may carry the search term; keep it out of messages
	}
	e := &Error{
		Op:         op,
		StatusCode: status,
		Err:        err,
		unknown:    method == http.MethodPost && written && (status == 0 || status/100 == 2),
		redactor:   c.redactor, // Error() redacts the transport error's text
	}
	switch {
	case parent.Err() != nil:
		e.Message = "caller context done"
		if !errors.Is(err, parent.Err()) {
			e.Err = fmt.Errorf("%w: %w", parent.Err(), err)
		}
	case call.Err() != nil:
		e.class = ErrTransient
		e.Message = fmt.Sprintf("no response within %s", c.timeout)
		if !errors.Is(err, context.DeadlineExceeded) {
			e.Err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
		}
	default:
		e.class = ErrTransient
		e.Message = "transport error"
	}
	return e
}

// redact removes the password and the Basic token, in every form newRedactor knows, from the
// parts of err that came from the server, in case a proxy or a login page echoed them, and keeps
// at most maxErrorBody of the redacted body. bodyCut tells that the body was cut at
// MaxResponseBytes. Redaction comes before the cut so that a secret straddling it is not kept in
// part.
func (c *Client) redact(err error, bodyCut bool) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	e.Body = c.redactor.redactCut(e.Body, bodyCut, maxErrorBody)
	c.redactor.redactError(e)
	return err
}

func basicToken(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}
