package handlers

import (
	"fmt"
	"slices"
	"strings"

	"github.com/leadworker/leadworker/schemas"
)

// ParseContactList splits a list of contacts to ignore, as an environment variable or a
// file holds it, into entries for Options.IgnoreContacts: entries are separated by commas or
// newlines, surrounding spaces are trimmed, and empty entries and lines starting with # are
// dropped. It does not validate the entries: New does.
func ParseContactList(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, e := range strings.Split(line, ",") {
			if e = strings.TrimSpace(e); e != "" {
				out = append(out, e)
			}
		}
	}
	return out
}

// ignoreList is the dealer's own list of contacts that are never used to match, normalised
// as matching normalises them. The built-in placeholders (placeholder.go) are always ignored.
type ignoreList struct {
	phones  map[string]bool // 10 digits
	emails  map[string]bool // folded addresses
	domains map[string]bool // folded domains, from "@domain" entries
}

// newIgnoreList normalises Options.IgnoreContacts. An entry is an email (it holds an @), a
// whole domain ("@dealer.com"), or a phone in any format that reduces to 10 digits;
// anything else is an error, so that a typo does not silently ignore nothing.
func newIgnoreList(entries []string) (ignoreList, error) {
	l := ignoreList{phones: map[string]bool{}, emails: map[string]bool{}, domains: map[string]bool{}}
	for _, e := range entries {
		if err := l.add(e); err != nil {
			return l, fmt.Errorf("handlers: Options.IgnoreContacts %w", err)
		}
	}
	return l, nil
}

// CheckContact returns the error New would return for entry as an element of
// Options.IgnoreContacts, without naming the option, so that a caller can name
// where the entry came from (an environment variable, a file).
func CheckContact(entry string) error {
	l := ignoreList{phones: map[string]bool{}, emails: map[string]bool{}, domains: map[string]bool{}}
	return l.add(entry)
}

// add normalises one entry into l.
func (l ignoreList) add(e string) error {
	switch {
	case strings.HasPrefix(strings.TrimSpace(e), "@"):
		d := strings.TrimPrefix(normEmail(e), "@")
		if d == "" || strings.Contains(d, "@") {
			return fmt.Errorf("entry %q: want a phone, an email or @domain", e)
		}
		l.domains[d] = true
	case strings.Contains(e, "@"):
		l.emails[normEmail(e)] = true
	default:
		d, ok := normPhone(e)
		if !ok {
			return fmt.Errorf("entry %q: want a phone of 10 digits, an email or @domain", e)
		}
		l.phones[d] = true
	}
	return nil
}

// phoneReason says why 10 digits are never used to match, or "" when they may be.
func (l ignoreList) phoneReason(d string) string {
	if l.phones[d] {
		return "on the dealer's ignore list"
	}
	return placeholderPhone(d)
}

// emailReason says why a folded address is never used to match, or "" when it may be.
func (l ignoreList) emailReason(e string) string {
	_, domain, _ := strings.Cut(e, "@")
	if l.emails[e] || l.domains[domain] {
		return "on the dealer's ignore list"
	}
	return placeholderEmail(e)
}

// filter removes the ignored phones and emails from id, so that they are neither searched
// nor matched on, and explains each removal with an ignored-contact warning. The event's
// body keeps them: they are still written to myKaarma.
func (l ignoreList) filter(id identity) (identity, []schemas.Warning) {
	var ws []schemas.Warning
	id.Phones = slices.DeleteFunc(slices.Clone(id.Phones), func(d string) bool {
		r := l.phoneReason(d)
		if r != "" {
			ws = append(ws, ignoredWarning("phone ending in "+maskPhone(d), r))
		}
		return r != ""
	})
	id.Emails = slices.DeleteFunc(slices.Clone(id.Emails), func(e string) bool {
		r := l.emailReason(e)
		if r != "" {
			ws = append(ws, ignoredWarning("email "+maskEmail(e), r))
		}
		return r != ""
	})
	return id, ws
}

func ignoredWarning(what, reason string) schemas.Warning {
	return schemas.Warning{
		Source:      SourceLeadworker,
		Code:        WarnIgnoredContact,
		Description: what + " is " + reason + "; written, but not searched or used to match",
	}
}

// maskEmail keeps the first character of an address's local part and its domain.
func maskEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" {
		return "…"
	}
	return string([]rune(local)[:1]) + "…@" + domain
}
