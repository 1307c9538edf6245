package logmask

import "regexp"

// The free-text net's patterns, on folded text. They are compiled once and never change.
var (
	// netEmail: a dot-atom or quoted local part, "@" or "%40", and a domain of letters (any
	// script), digits and hyphens ending in a label of two or more letters.
	netEmail = regexp.MustCompile(`(?i)(?:"[^"\\\r\n@]{1,64}"|[\p{L}\p{N}._%+\-]{1,64})(?:@|%40)(?:[\p{L}\p{N}](?:[\p{L}\p{N}\-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,}`)
	// netPhone: a North American number as people write it: optional +1, an area code that
	// starts with 2 to 9 (parenthesised or not), then 3 and 4 digits, with at most one
	// separator (space . - / _) between the groups.
	// The last group of four digits keeps dotted IPv4 addresses (groups of at most three) out;
	// the checks in maskFreeText keep out digits glued to an identifier, a time or a port.
	netPhone = regexp.MustCompile(`\+?(?:1[ .\-/_]?)?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .\-/_]?)\d{3}[ .\-/_]?\d{4}`)
)

// maskFreeText masks the email addresses and phone numbers of text that may echo data, such
// as an error message, leaving identifiers, timestamps, durations and addresses alone.
func maskFreeText(text string) string {
	f := fold(text)
	text = f.replace(netEmail, func(s string, a, b int) (string, bool) {
		return maskEmail(s[a:b]), true
	})
	f = fold(text)
	return f.replace(netPhone, func(s string, a, b int) (string, bool) {
		if !outsideIdentifier(s, a, b) {
			return "", false
		}
		return maskPhone(s[a:b]), true
	})
}
