package mykaarma

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/url"
	"slices"
	"strings"
)

// redacted replaces a secret in error text.
const redacted = "[redacted]"

// minFragment is the length from which a form of a secret is redacted inside longer text; a
// shorter form is redacted only where it is a whole text (a message, a title, a body, spaces
// around it aside). A one- or two-character password would otherwise cut ordinary words of
// every error ("grou[redacted]"), and below 8 bytes a fragment cannot be told from ordinary
// text. logmask.MinFragmentBytes is the same rule for logs; keep the two alike.
const minFragment = 8

// redactor replaces secrets, and the encoded forms a server or proxy may echo them in, with
// "[redacted]". The zero value redacts nothing. It is immutable and safe for concurrent use.
//
// logmask has the same list of forms for log entries; the code is repeated there rather than
// shared so that this package keeps no logging dependency and logmask no API-client one.
type redactor struct {
	forms []string        // of at least minFragment bytes, longest first, so that a form containing another is replaced whole
	whole map[string]bool // every form, redacted where it is the whole text
}

// newRedactor returns a redactor for secrets and their forms (see secretForms). Empty secrets
// are ignored.
func newRedactor(secrets ...string) redactor {
	r := redactor{whole: map[string]bool{}}
	for _, s := range secrets {
		for _, f := range secretForms(s) {
			r.whole[f] = true
			if len(f) >= minFragment {
				r.forms = append(r.forms, f)
			}
		}
	}
	slices.SortFunc(r.forms, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	r.forms = slices.Compact(r.forms)
	return r
}

// secretForms returns s and the ways a response body may carry it: JSON string escaping (Go's
// HTML-safe \u003c style and plain \" style), HTML escaping, URL query and path escaping, and
// base64 (standard and URL alphabets, padded and not). It returns nil for "".
func secretForms(s string) []string {
	if s == "" {
		return nil
	}
	forms := []string{s, html.EscapeString(s), url.QueryEscape(s), url.PathEscape(s)}
	if b, err := json.Marshal(s); err == nil { // \u003c, \u003e, \u0026, \", \\
		forms = append(forms, string(b[1:len(b)-1]))
	}
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil { // only \" and \\ (and control characters)
		b := bytes.TrimSuffix(plain.Bytes(), []byte("\n"))
		forms = append(forms, string(b[1:len(b)-1]))
	}
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		forms = append(forms, e.EncodeToString([]byte(s)))
	}
	slices.Sort(forms)
	return slices.Compact(forms)
}

// redact returns s with every form of every secret replaced: s itself when it is a form, and
// the forms of at least minFragment bytes wherever they appear in it.
func (r redactor) redact(s string) string {
	if r.whole[strings.TrimSpace(s)] {
		return redacted
	}
	for _, f := range r.forms {
		s = strings.ReplaceAll(s, f, redacted)
	}
	return s
}

// redactCut redacts b and returns at most n bytes of the result. cut tells that b itself was cut
// at an arbitrary byte (a capped read): if that end survives, a proper prefix of a form left at
// it is removed too, since it is the start of a secret whose rest was not read. Redacting before
// cutting to n means a secret that straddles n is never partly kept. The result is a new slice.
func (r redactor) redactCut(b []byte, cut bool, n int) []byte {
	s := r.redact(string(b))
	switch {
	case len(s) > n:
		s = s[:n]
	case cut:
		s = r.trimPartial(s)
	}
	return []byte(s)
}

// trimPartial removes the longest non-empty proper prefix of a form found at the end of s.
func (r redactor) trimPartial(s string) string {
	longest := 0
	for _, f := range r.forms {
		for k := min(len(f)-1, len(s)); k > longest; k-- {
			if strings.HasSuffix(s, f[:k]) {
				longest = k
				break
			}
		}
	}
	return s[:len(s)-longest]
}

// redactError redacts every text of e that may come from the server, and keeps r in e so that
// Error() redacts the underlying error's text too.
func (r redactor) redactError(e *Error) {
	e.redactor = r
	e.Message = r.redact(e.Message)
	for i := range e.Problems {
		e.Problems[i].Title = r.redact(e.Problems[i].Title)
		e.Problems[i].Message = r.redact(e.Problems[i].Message)
	}
	if e.Lead != nil {
		e.Lead.Code = Code(r.redact(string(e.Lead.Code)))
		e.Lead.Description = r.redact(e.Lead.Description)
		e.Lead.UID = r.redact(e.Lead.UID)
	}
}
