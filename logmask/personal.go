package logmask

import (
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/sirupsen/logrus"
)

// personalKey is the field that carries the values attached with WithPersonal. Formatter
// removes it from the output; any other formatter prints "[masked]" for it.
const personalKey = "logmask.personal"

// personal is the set of known personal values of one event. Their matchers are compiled on
// first use, so an entry that is never formatted (its level is off) costs no regexp. It is
// immutable and safe for concurrent use.
type personal struct {
	values   []string
	once     sync.Once
	matchers []matcher // set by compiled
}

// compiled returns the matchers of p's values, emails first, then phones, then names.
func (p *personal) compiled() []matcher {
	p.once.Do(func() {
		for _, v := range p.values {
			if m, ok := newMatcher(v); ok {
				p.matchers = append(p.matchers, m)
			}
		}
		sortMatchers(p.matchers)
	})
	return p.matchers
}

func sortMatchers(ms []matcher) {
	slices.SortStableFunc(ms, func(a, b matcher) int { return a.order - b.order })
}

type matcher struct {
	re    *regexp.Regexp // on folded text
	mask  func(string) string
	order int  // emails (0) are masked first, then phones (1), then names (2), which may be part of an email
	email bool // a match must also stand apart from the characters of an address
}

// String and MarshalJSON keep the values out of the output of a formatter that is not a
// Formatter.
func (*personal) String() string               { return "[masked]" }
func (*personal) MarshalJSON() ([]byte, error) { return []byte(`"[masked]"`), nil }

// phoneSep is what may stand between the digits of a known phone: separators and parentheses.
const phoneSep = `[ .\-/_()]*`

// WithPersonal returns log with values attached: the personal data of the event being handled,
// such as its customer's phone numbers, email addresses, first and last names and company. A
// [Formatter] masks them in the message and every field of every entry logged through the
// returned logger, in the forms they may be written in, and does not output them. A value
// with an "@" is taken as an email address (matched in any letter case, "@" also as "%40"); one
// of seven or more digits with only + ( ) - . / _ and spaces besides is a phone number (matched
// by its digits in any formatting, with or without a leading +1); any other value of at least
// two characters is a name (matched in any letter case). Empty values are ignored.
//
// Values attached earlier to log, when it is a *logrus.Entry, are kept. A nil log gives a
// logger that discards everything.
func WithPersonal(log logrus.FieldLogger, values ...string) logrus.FieldLogger {
	if log == nil {
		l := logrus.New()
		l.Out = io.Discard
		log = l
	}
	p := &personal{}
	if e, ok := log.(*logrus.Entry); ok {
		if old, ok := e.Data[personalKey].(*personal); ok {
			p.values = append(p.values, old.values...)
		}
	}
	p.values = append(p.values, values...)
	return log.WithField(personalKey, p)
}

func newMatcher(v string) (matcher, bool) {
	v = strings.TrimSpace(fold(v).s)
	switch {
	case v == "":
		return matcher{}, false
	case strings.Contains(v, "@"):
		at := strings.LastIndex(v, "@")
		re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(v[:at]) + `(?:@|%40)` + regexp.QuoteMeta(v[at+1:]))
		return matcher{re: re, mask: maskEmail, email: true}, true
	case isPhone(v):
		d := digits(v)
		if len(d) == 11 && d[0] == '1' {
			d = d[1:]
		}
		parts := strings.Split(d, "")
		re := regexp.MustCompile(`(?:\+?1` + phoneSep + `)?\(?` + strings.Join(parts, phoneSep))
		return matcher{re: re, mask: maskPhone, order: 1}, true
	case utf8.RuneCountInString(v) >= 2:
		re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(v))
		return matcher{re: re, mask: func(string) string { return "***" }, order: 2}, true
	}
	return matcher{}, false
}

func isPhone(v string) bool {
	if len(digits(v)) < 7 {
		return false
	}
	return !strings.ContainsFunc(v, func(r rune) bool {
		return !(r >= '0' && r <= '9') && !strings.ContainsRune("+()-./_ ", r)
	})
}

// maskKnown masks in text what the matchers ms find.
func maskKnown(ms []matcher, text string) string {
	for _, m := range ms {
		text = fold(text).replace(m.re, func(s string, a, b int) (string, bool) {
			if !standsAlone(s, a, b) {
				return "", false
			}
			if m.email && (strings.ContainsRune("._%+-", before(s, a)) || after(s, b) == '-') {
				return "", false // part of a longer address
			}
			return m.mask(s[a:b]), true
		})
	}
	return text
}

// Personal returns values as log fields, for code that hands fields to another logger rather
// than holding one: merge them into the fields of an entry and a [Formatter] masks the values
// in that entry as WithPersonal would.
func Personal(values ...string) logrus.Fields {
	return logrus.Fields{personalKey: &personal{values: append([]string(nil), values...)}}
}
