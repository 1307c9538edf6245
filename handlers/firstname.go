package handlers

import (
	"strings"
	"unicode/utf8"
)

// compatibleFirstNames reports whether two first names may belong to one person: equal
// ignoring case, one of them missing, or one the initial of the other ("J", "J." and
// "John"). Options.RequireFirstName asks rules 2 and 3 for it, so that two people of one
// household who share a phone, an email or a car stay two customers.
func compatibleFirstNames(a, b string) bool {
	fa, fb := fold(a), fold(b)
	switch {
	case fa == "" || fb == "" || fa == fb:
		return true
	case initialOf(fa, fb), initialOf(fb, fa):
		return true
	}
	return false
}

// initialOf reports whether the folded name i is one letter, maybe followed by a dot, that
// starts the folded name name.
func initialOf(i, name string) bool {
	i = strings.TrimSuffix(i, ".")
	if utf8.RuneCountInString(i) != 1 {
		return false
	}
	return strings.HasPrefix(name, i)
}
