package logmask

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

// MinFragmentBytes is the length from which a form of a secret (see [SecretForms]) is
// redacted wherever it appears inside a longer text. A shorter form is redacted only where it
// is a whole value: the whole message, or a field's whole value, spaces around it aside.
// Redacting a one-character password inside text would cut ordinary words ("grou[redacted]")
// and tell a reader which letter the password is; below 8 bytes a fragment cannot be told
// from ordinary text, so such a password is not protected inside longer text: use a longer
// one.
const MinFragmentBytes = 8

// secretSet is the forms of a list of secrets: those redacted inside longer text, longest
// first, and every form, redacted as a whole value.
type secretSet struct {
	fragments []string
	whole     map[string]bool
}

func newSecretSet(secrets ...string) secretSet {
	set := secretSet{whole: map[string]bool{}}
	for _, s := range secrets {
		for _, f := range SecretForms(s) {
			set.whole[f] = true
			if len(f) >= MinFragmentBytes {
				set.fragments = append(set.fragments, f)
			}
		}
	}
	slices.SortFunc(set.fragments, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	set.fragments = slices.Compact(set.fragments)
	return set
}

func (s secretSet) redact(text string) string {
	if s.whole[strings.TrimSpace(text)] {
		return redacted
	}
	for _, f := range s.fragments {
		text = strings.ReplaceAll(text, f, redacted)
	}
	return text
}
