package mykaarma

import (
	"errors"
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	t.Parallel()
	r := newRedactor(`pa<ss>"w0rd&x`, "", "c3ZjOnBh")
	tests := []struct {
		name string
		in   string
		cut  bool
		n    int
		want string
	}{
		{"nothing to redact", "plain text", false, 100, "plain text"},
		{"literal", `say pa<ss>"w0rd&x`, false, 100, "say [redacted]"},
		{"html-safe json", `"pa\u003css\u003e\"w0rd\u0026x"`, false, 100, `"[redacted]"`},
		{"base64 of a secret", "Basic cGE8c3M+IncwcmQmeA==", false, 100, "Basic [redacted]"},
		{"unpadded base64", "cGE8c3M+IncwcmQmeA.", false, 100, "[redacted]."},
		{"redact, then cut", `0123pa<ss>"w0rd&x`, false, 8, "0123[red"},
		{"no cut when short", "0123", false, 8, "0123"},
		{"partial form at a read cut", `0123pa<ss>"w0`, true, 100, "0123"},
		{"partial escaped form at a read cut", `0123pa\u003c`, true, 100, "0123"},
		{"partial form kept when not at a read cut", `0123pa<ss`, false, 100, "0123pa<ss"},
		{"read cut then cut to n drops the tail anyway", `0123456789pa<ss`, true, 10, "0123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(r.redactCut([]byte(tt.in), tt.cut, tt.n)); got != tt.want {
				t.Errorf("redactCut(%q, %v, %d) = %q; want %q", tt.in, tt.cut, tt.n, got, tt.want)
			}
		})
	}
}

func TestErrorRedactsUnderlyingError(t *testing.T) {
	t.Parallel()
	e := &Error{Op: "search", Err: errors.New("proxy said pa%3Css%3E%22w0rd%26x"), class: ErrTransient, redactor: newRedactor(`pa<ss>"w0rd&x`)}
	if got := e.Error(); strings.Contains(got, "w0rd") || !strings.Contains(got, "[redacted]") {
		t.Errorf("Error() = %q; want the escaped password redacted", got)
	}
	if !errors.Is(e, ErrTransient) {
		t.Errorf("errors.Is(%v, ErrTransient) = false; want true", e)
	}
}

// TestRedactorShortSecrets: a form shorter than minFragment is redacted only where it is the
// whole text, so that a one-character password does not cut the words of every error; from
// minFragment bytes on a form is redacted wherever it appears.
func TestRedactorShortSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		user, pass string
		in         string
		want       string
	}{
		{"one character inside words", "u", "p", "consumer group paused: please retry", "consumer group paused: please retry"},
		{"one character alone", "u", "p", "p", "[redacted]"},
		{"one character alone with spaces", "u", "p", " p\n", "[redacted]"},
		{"short token alone", "u", "p", basicToken("u", "p"), "[redacted]"},
		{"seven bytes inside text", "svc", "1234567", "id 12345678", "id 12345678"},
		{"eight bytes inside text", "svc", "12345678", "id 123456789", "id [redacted]9"},
		{"token of a short password inside text", "svc", "p", "Basic " + basicToken("svc", "p"), "Basic [redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRedactor(tt.pass, basicToken(tt.user, tt.pass))
			if got := r.redact(tt.in); got != tt.want {
				t.Errorf("redact(%q) = %q; want %q", tt.in, got, tt.want)
			}
			if got := string(r.redactCut([]byte(tt.in), true, 100)); got != tt.want {
				t.Errorf("redactCut(%q, cut) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}

	// Through an error: Message and Problems are redacted as whole texts, Error() as a whole.
	e := &Error{Op: "search", StatusCode: 400, Message: "p", Problems: []Problem{{Title: "group", Message: "p"}}}
	newRedactor("p").redactError(e)
	if e.Message != "[redacted]" || e.Problems[0].Title != "group" || e.Problems[0].Message != "[redacted]" {
		t.Errorf("redactError = %+v; want the whole-value password redacted and %q kept", e, "group")
	}
}
