package logmask_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/leadworker/leadworker/logmask"
	"github.com/sirupsen/logrus"
)

// logJSON logs one entry through a JSON logger from New and returns the decoded line.
func logJSON(t *testing.T, secrets []string, log func(l logrus.FieldLogger)) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	log(logmask.New("debug", "json", &buf, secrets...))
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("log line %q: %v", buf.String(), err)
	}
	return line
}

func TestFormatterPersonal(t *testing.T) {
	t.Parallel()
	person := []string{"+1 (989) 136-1006", "Jane.Roe@Example.com", "Anna", "Nguyễn", "anna@exämple.com"}
	tests := []struct {
		name  string
		field string
		in    string
		want  string
	}{
		{"phone digits only", "error", "search 19891361006 failed", "search ***1006 failed"},
		{"phone formatted otherwise", "error", "search 989.136.1006 failed", "search ***1006 failed"},
		{"phone in an identifier field", "eventId", "lead-9891361006", "lead-***1006"},
		{"phone in a free field", "query", "9891361006", "***1006"},
		{"email case-folded", "error", "no match for jane.roe@example.com", "no match for ja***@example.com"},
		{"email percent-encoded", "url", "/search?q=JANE.ROE%40EXAMPLE.COM", "/search?q=JA***%40EXAMPLE.COM"},
		{"idn email", "error", "ANNA@EXÄMPLE.COM bounced", "AN***@EXÄMPLE.COM bounced"},
		{"first name", "error", "customer Anna Nguyễn not found", "customer *** *** not found"},
		{"name case-folded", "reason", "ANNA", "***"},
		{"name inside a word is left", "error", "Annabel and Nguyễnson", "Annabel and Nguyễnson"},
		{"phone inside a longer number is left", "offset", "198913610061", "198913610061"},
		{"unrelated identifier", "customerUuid", "9fa47fcb-49b0-128c-94e8-0c1234562761", "9fa47fcb-49b0-128c-94e8-0c1234562761"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			line := logJSON(t, nil, func(l logrus.FieldLogger) {
				logmask.WithPersonal(l, person...).WithField(tt.field, tt.in).Info("msg " + tt.in)
			})
			if got := line[tt.field]; got != tt.want {
				t.Errorf("field %s = %q; want %q", tt.field, got, tt.want)
			}
			if got := line["msg"]; got != "msg "+tt.want {
				t.Errorf("msg = %q; want %q", got, "msg "+tt.want)
			}
			for k, v := range line {
				if strings.HasPrefix(k, "logmask") || v == "[masked]" {
					t.Errorf("carrier field %s = %v in output", k, v)
				}
			}
		})
	}
}

func TestFormatterIdentifiersAndNet(t *testing.T) {
	t.Parallel()
	ids := logrus.Fields{
		"eventId":      "lead-2026-11-20-000123",
		"leadId":       "US000000111199002",
		"customerUuid": "9fa47fcb-49b0-128c-94e8-0c1234562761",
		"department":   "12345678-1234-4234-8234-123456789012",
		"dealer":       "2125550199",
		"topic":        "leads.v1",
		"member":       "leadworker-1-9891361006",
		"trace_id":     "4bf92f3577b34da6a3ce929d0e0e4736",
		"span_id":      "2125550199000000",
		"requestId":    "9891361006",
	}
	line := logJSON(t, nil, func(l logrus.FieldLogger) {
		l.WithFields(ids).WithField("partition", 3).WithField("offset", int64(9891361006)).
			WithError(errors.New(`create customer: "john doe"@example.com, 989/136/1006`)).
			Info("took 1.234567890123s; lookup broker on 10.100.125.153:53; phone ９８９１３６１００６")
	})
	for k, want := range ids {
		if got := line[k]; got != want {
			t.Errorf("field %s = %q; want it unchanged, %q", k, got, want)
		}
	}
	if got := line["offset"]; got != float64(9891361006) {
		t.Errorf("offset = %v; want 9891361006", got)
	}
	if got, want := line["error"], "create customer: jo***@example.com, ***1006"; got != want {
		t.Errorf("error = %q; want %q", got, want)
	}
	if got, want := line["msg"], "took 1.234567890123s; lookup broker on 10.100.125.153:53; phone ***1006"; got != want {
		t.Errorf("msg = %q; want %q", got, want)
	}
}

func TestFormatterSecrets(t *testing.T) {
	t.Parallel()
	const user, pass = "svc", `pa<ss>"w0rd&x`
	token := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	tests := []struct{ name, in string }{
		{"literal", "login " + pass},
		{"html-safe json", `{"p":"pa\u003css\u003e\"w0rd\u0026x"}`},
		{"plain json", `{"p":"pa<ss>\"w0rd&x"}`},
		{"query escape", "?p=pa%3Css%3E%22w0rd%26x"},
		{"path escape", "/u/pa%3Css%3E%22w0rd&x"},
		{"base64 password", base64.StdEncoding.EncodeToString([]byte(pass))},
		{"basic token", "Authorization: Basic " + token},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			line := logJSON(t, []string{pass, token}, func(l logrus.FieldLogger) {
				l.WithField("requestId", tt.in).WithError(errors.New(tt.in)).Info(tt.in)
			})
			for _, k := range []string{"requestId", "error", "msg"} {
				s, _ := line[k].(string)
				if strings.Contains(s, "w0rd") || strings.Contains(s, token) || strings.Contains(s, "cGE8c3M") || !strings.Contains(s, "[redacted]") {
					t.Errorf("%s = %q; want the secret redacted", k, s)
				}
			}
		})
	}
}

func TestWithPersonal(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := logmask.New("info", "text", &buf)
	log := logmask.WithPersonal(logmask.WithPersonal(l, "Anna"), "", "Smith")
	log.Info("Anna Smith")
	if got := buf.String(); strings.Contains(got, "Anna") || strings.Contains(got, "Smith") || strings.Contains(got, "logmask") {
		t.Errorf("text line %q; want both attached names masked and no carrier field", got)
	}

	// Without the Formatter the carrier prints as [masked], never the values.
	buf.Reset()
	plain := logrus.New()
	plain.Out = &buf
	plain.Formatter = &logrus.JSONFormatter{}
	logmask.WithPersonal(plain, "Anna").Info("x")
	if got := buf.String(); strings.Contains(got, "Anna") || !strings.Contains(got, "[masked]") {
		t.Errorf("unmasked line %q; want the carrier shown as [masked]", got)
	}

	logmask.WithPersonal(nil, "Anna").Info("discarded") // must not panic
}

func TestNewLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		level string
		want  logrus.Level
	}{{"debug", logrus.DebugLevel}, {"warn", logrus.WarnLevel}, {"nonsense", logrus.InfoLevel}, {"", logrus.InfoLevel}}
	for _, tt := range tests {
		if got := logmask.New(tt.level, "json", &bytes.Buffer{}).Level; got != tt.want {
			t.Errorf("New(%q).Level = %v; want %v", tt.level, got, tt.want)
		}
	}
}

// TestFormatterShortSecrets: a secret shorter than MinFragmentBytes is redacted where it is a
// whole value, never inside other words; from MinFragmentBytes on it is redacted everywhere.
// The secrets are passed as cmd/leadworker passes them: the password and user:password.
func TestFormatterShortSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		user, pass string
		in         string
		want       string
	}{
		{name: "one-character password inside words", user: "u", pass: "p", in: "joined group leadworker.route", want: "joined group leadworker.route"},
		{name: "one-character password alone", user: "u", pass: "p", in: "p", want: "[redacted]"},
		{name: "one-character password alone with spaces", user: "u", pass: "p", in: " p\n", want: "[redacted]"},
		{name: "user:password alone", user: "u", pass: "p", in: "u:p", want: "[redacted]"},
		{name: "short base64 form alone", user: "u", pass: "p", in: "cA==", want: "[redacted]"},
		{name: "short base64 form inside a word", user: "u", pass: "p", in: "xcA==y", want: "xcA==y"},
		{name: "seven bytes inside text", user: "svc", pass: "1234567", in: "offset 12345678", want: "offset 12345678"},
		{name: "eight bytes inside text", user: "svc", pass: "12345678", in: "offset 123456789", want: "offset [redacted]9"},
		{name: "compose password inside text", user: "leadworker", pass: "local-dev-only", in: "login local-dev-only refused", want: "login [redacted] refused"},
		{name: "basic token of a short password inside text", user: "svc", pass: "p", in: "Basic " + base64.StdEncoding.EncodeToString([]byte("svc:p")), want: "Basic [redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			line := logJSON(t, []string{tt.pass, tt.user + ":" + tt.pass}, func(l logrus.FieldLogger) {
				l.WithField("note", tt.in).WithError(errors.New(tt.in)).Info(tt.in)
			})
			for _, k := range []string{"note", "error", "msg"} {
				if got := line[k]; got != tt.want {
					t.Errorf("%s = %q; want %q", k, got, tt.want)
				}
			}
		})
	}
}
