package logmask

import (
	"io"

	"github.com/sirupsen/logrus"
)

// Formatter wraps a logrus.Formatter and masks every entry before it formats it: secrets, the
// personal values attached with [WithPersonal], and emails and phone numbers in free text (see
// the package documentation). It is immutable and safe for concurrent use.
type Formatter struct {
	inner   logrus.Formatter
	secrets secretSet
}

// NewFormatter returns a Formatter that masks entries and then formats them with inner.
// secrets are redacted in every form [SecretForms] lists; empty ones are ignored.
func NewFormatter(inner logrus.Formatter, secrets ...string) *Formatter {
	return &Formatter{inner: inner, secrets: newSecretSet(secrets...)}
}

// Format masks a copy of e and formats it with the inner formatter. e is not changed.
func (f *Formatter) Format(e *logrus.Entry) ([]byte, error) {
	var known []matcher
	for _, v := range e.Data {
		if p, ok := v.(*personal); ok {
			known = append(known, p.compiled()...)
		}
	}
	sortMatchers(known)
	mask := func(key, s string) string {
		s = f.secrets.redact(s)
		s = maskKnown(known, s)
		if !IsIdentifierField(key) {
			s = maskFreeText(s)
		}
		return s
	}
	c := *e
	c.Message = mask("", e.Message)
	c.Data = make(logrus.Fields, len(e.Data))
	for k, v := range e.Data {
		switch v := v.(type) {
		case *personal:
			// carrier field: not output
		case string:
			c.Data[k] = mask(k, v)
		case error:
			c.Data[k] = mask(k, v.Error())
		default:
			c.Data[k] = v
		}
	}
	return f.inner.Format(&c)
}

// New returns the process logger: it writes to out, as JSON, or as plain text when format is
// "text", entries at level and above (a level logrus.ParseLevel does not know means info), and
// masks every entry with a [Formatter] that redacts secrets.
func New(level, format string, out io.Writer, secrets ...string) *logrus.Logger {
	l := logrus.New()
	l.Out = out
	var inner logrus.Formatter = &logrus.JSONFormatter{}
	if format == "text" {
		inner = &logrus.TextFormatter{DisableColors: true, FullTimestamp: true}
	}
	l.Formatter = NewFormatter(inner, secrets...)
	l.Level = logrus.InfoLevel
	if lv, err := logrus.ParseLevel(level); err == nil {
		l.Level = lv
	}
	return l
}
