package logmask

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/url"
	"slices"
	"strings"
)

// redacted replaces a secret.
const redacted = "[redacted]"

// SecretForms returns s and the forms in which an HTTP response, a URL or a header may carry
// it: JSON string escaping (Go's HTML-safe \u003c style and plain \" style), HTML escaping, URL
// query and path escaping, and base64 (standard and URL alphabets, padded and not). It returns
// nil for "". To cover an HTTP Basic token, pass base64 of "user:password" as a secret too (or
// user+":"+password, whose base64 forms are then included).
//
// mykaarma redacts the same forms from its errors with code of its own, so that the API client
// does not depend on a logging package; keep the two lists alike.
func SecretForms(s string) []string {
	if s == "" {
		return nil
	}
	forms := []string{s, html.EscapeString(s), url.QueryEscape(s), url.PathEscape(s)}
	if b, err := json.Marshal(s); err == nil {
		forms = append(forms, string(b[1:len(b)-1]))
	}
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		b := bytes.TrimSuffix(plain.Bytes(), []byte("\n"))
		forms = append(forms, string(b[1:len(b)-1]))
	}
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		forms = append(forms, e.EncodeToString([]byte(s)))
	}
	slices.Sort(forms)
	return slices.Compact(forms)
}

// secretSet is the forms of a list of secrets, longest first.
type secretSet []string

func newSecretSet(secrets ...string) secretSet {
	var forms []string
	for _, s := range secrets {
		forms = append(forms, SecretForms(s)...)
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(forms)
}

func (s secretSet) redact(text string) string {
	for _, f := range s {
		text = strings.ReplaceAll(text, f, redacted)
	}
	return text
}
