package handlers

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// normPhone reduces a North American phone number to its 10 digits: every non-digit is
// stripped, and an 11-digit number starting with 1 loses the 1. ok is false for anything
// that is not then exactly 10 digits.
func normPhone(s string) (digits string, ok bool) {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if len(d) == 11 && d[0] == '1' {
		d = d[1:]
	}
	if len(d) != 10 {
		return "", false
	}
	return d, true
}

// e164 writes 10 digits as myKaarma wants them: +1XXXXXXXXXX.
func e164(digits string) string { return "+1" + digits }

// maskPhone keeps only the last two digits of a phone for warnings.
func maskPhone(s string) string {
	var digits []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits = append(digits, s[i])
		}
	}
	if len(digits) < 2 {
		return "**"
	}
	return "…" + string(digits[len(digits)-2:])
}

// fold trims s, NFC-normalises it and applies Unicode case folding, so that two strings
// that are equal after fold are equal ignoring case. A cases.Caser is not safe for
// concurrent use, hence one per call.
func fold(s string) string {
	s = norm.NFC.String(strings.TrimSpace(s))
	return norm.NFC.String(cases.Fold().String(s))
}

// normEmail trims and case-folds an email address.
func normEmail(s string) string { return fold(s) }

// normName trims and NFC-normalises a name, keeping its case for writing.
func normName(s string) string { return norm.NFC.String(strings.TrimSpace(s)) }

// sameName reports whether two names are equal ignoring case; two empty names never are.
func sameName(a, b string) bool {
	fa := fold(a)
	return fa != "" && fa == fold(b)
}

// normVIN trims and upper-cases a VIN.
func normVIN(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// normKey trims a customerKey; keys compare case-insensitively (sameKey).
func normKey(s string) string { return strings.TrimSpace(s) }

// sameKey reports whether two customerKeys are equal ignoring case; empty keys never are.
func sameKey(a, b string) bool {
	a, b = normKey(a), normKey(b)
	return a != "" && strings.EqualFold(a, b)
}

// truncateRunes returns the first n characters of s.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
