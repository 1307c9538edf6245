package logmask

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// folded is a text with fullwidth forms (U+FF01–U+FF5E, such as "９" and "＠") replaced by their
// ASCII counterparts, so that one set of patterns finds "９８９１３６１００６" and "9891361006".
type folded struct {
	orig string
	s    string
	off  []int // off[i] is the offset in orig of s[i]; off[len(s)] == len(orig); nil if s == orig
}

func fold(orig string) folded {
	if !strings.ContainsFunc(orig, isFullwidth) {
		return folded{orig: orig, s: orig}
	}
	var b strings.Builder
	off := make([]int, 0, len(orig)+1)
	for i, r := range orig {
		n := b.Len()
		if isFullwidth(r) {
			b.WriteRune(r - 0xFEE0)
		} else {
			b.WriteRune(r)
		}
		for range b.Len() - n {
			off = append(off, i)
		}
	}
	return folded{orig: orig, s: b.String(), off: append(off, len(orig))}
}

func isFullwidth(r rune) bool { return r >= 0xFF01 && r <= 0xFF5E }

func (f folded) origOffset(i int) int {
	if f.off == nil {
		return i
	}
	return f.off[i]
}

// replace replaces the matches of re in f's folded text for which repl returns ok, and returns
// the original text with those spans replaced. repl gets the folded text and the match bounds.
func (f folded) replace(re *regexp.Regexp, repl func(s string, a, b int) (string, bool)) string {
	var out strings.Builder
	last := 0
	for _, m := range re.FindAllStringIndex(f.s, -1) {
		r, ok := repl(f.s, m[0], m[1])
		if !ok {
			continue
		}
		a, b := f.origOffset(m[0]), f.origOffset(m[1])
		out.WriteString(f.orig[last:a])
		out.WriteString(r)
		last = b
	}
	if last == 0 && out.Len() == 0 {
		return f.orig
	}
	out.WriteString(f.orig[last:])
	return out.String()
}

// before and after return the rune before s[i] and after s[:i], or utf8.RuneError at the ends.
func before(s string, i int) rune {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return r
}

func after(s string, i int) rune {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// standsAlone reports whether s[a:b] is not glued to a letter or digit on either side.
func standsAlone(s string, a, b int) bool {
	return !isWord(before(s, a)) && !isWord(after(s, b))
}

// idJoiner is a character that joins the parts of an identifier, a timestamp, a duration, an
// address or a path: "lead-2026-11-20-000123", "10.0.0.5:53", "1.5s", "a/b".
func isIDJoiner(r rune) bool { return strings.ContainsRune("-_./:+", r) }

// outsideIdentifier reports whether s[a:b] stands alone and is not one part of a longer token
// joined by an identifier joiner, like the digits of "lead-2026-11-20-000123" or of a UUID.
func outsideIdentifier(s string, a, b int) bool {
	if !standsAlone(s, a, b) {
		return false
	}
	if p := before(s, a); isIDJoiner(p) && isWord(before(s, a-utf8.RuneLen(p))) {
		return false
	}
	if n := after(s, b); isIDJoiner(n) && isWord(after(s, b+utf8.RuneLen(n))) {
		return false
	}
	return true
}

// digits returns the ASCII digits of s.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// maskPhone renders a phone number as "***" and its last four digits.
func maskPhone(s string) string {
	d := digits(s)
	return "***" + d[max(0, len(d)-4):]
}

// maskEmail renders an email address as the first two characters of its local part (without
// quotes), "***", the separator ("@" or "%40") and the domain: "jo***@example.com".
func maskEmail(s string) string {
	at := strings.LastIndex(s, "@")
	sep := "@"
	if p := strings.LastIndex(strings.ToLower(s), "%40"); p > at {
		at, sep = p, "%40"
	}
	if at < 0 {
		return "***"
	}
	local := []rune(strings.Trim(s[:at], `"`))
	return string(local[:min(2, len(local))]) + "***" + sep + s[at+len(sep):]
}
