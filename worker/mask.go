package worker

import (
	"regexp"
	"strings"

	"github.com/sirupsen/logrus"
)

var (
	emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	// phonePattern finds runs of 10 or more digits, optionally separated the
	// way phone numbers are written; UUIDs and offsets are too short or
	// hex-mixed to match.
	phonePattern = regexp.MustCompile(`\+?\(?\d[\d\s().\-]{8,}\d`)
)

// mask hides email addresses and phone numbers: "jo***@example.com", "***1006".
func mask(s string) string {
	s = emailPattern.ReplaceAllStringFunc(s, func(e string) string {
		at := strings.IndexByte(e, '@')
		keep := min(2, at)
		return e[:keep] + "***" + e[at:]
	})
	return phonePattern.ReplaceAllStringFunc(s, func(p string) string {
		digits := 0
		for _, r := range p {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits < 10 {
			return p
		}
		return "***" + p[len(p)-4:]
	})
}

// maskingFormatter masks personal data in every log line it formats.
type maskingFormatter struct{ logrus.Formatter }

func (f maskingFormatter) Format(e *logrus.Entry) ([]byte, error) {
	c := *e
	c.Message = mask(e.Message)
	c.Data = make(logrus.Fields, len(e.Data))
	for k, v := range e.Data {
		switch v := v.(type) {
		case string:
			c.Data[k] = mask(v)
		case error:
			c.Data[k] = mask(v.Error())
		default:
			c.Data[k] = v
		}
	}
	return f.Formatter.Format(&c)
}

// NewLogger builds the process logger: JSON or text, masked.
func NewLogger(level, format string, out interface{ Write([]byte) (int, error) }) *logrus.Logger {
	l := logrus.New()
	l.Out = out
	var inner logrus.Formatter = &logrus.JSONFormatter{}
	if format == "text" {
		inner = &logrus.TextFormatter{DisableColors: true, FullTimestamp: true}
	}
	l.Formatter = maskingFormatter{inner}
	if lv, err := logrus.ParseLevel(level); err == nil {
		l.Level = lv
	}
	return l
}
