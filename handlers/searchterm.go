package handlers

import (
	"strings"
	"unicode/utf8"
)

// maxTermLen is the longest searchTerm myKaarma accepts, in characters.
const maxTermLen = 30

// searchTokens lists the search tokens of seed 000, in this order and without repeats
// (compared ignoring case): the complete customerKey, the last 8 characters of each VIN,
// each valid 10-digit phone, and each email only when the customer has no valid phone.
func searchTokens(id identity) []string {
	var toks []string
	seen := map[string]bool{}
	add := func(t string) {
		k := strings.ToUpper(t)
		if t == "" || seen[k] {
			return
		}
		seen[k] = true
		toks = append(toks, t)
	}
	add(id.Key)
	for _, v := range id.VINs {
		if n := utf8.RuneCountInString(v); n > 8 {
			v = string([]rune(v)[n-8:])
		}
		add(v)
	}
	for _, p := range id.Phones {
		add(p)
	}
	if len(id.Phones) == 0 {
		for _, e := range id.Emails {
			add(e)
		}
	}
	return toks
}

// searchTerms packs tokens greedily, in order, into space-joined terms of at most
// maxTermLen characters; each term is one search, and the caller merges their candidates.
//
// A single token longer than maxTermLen (a long email or customerKey) is cut to its first
// maxTermLen characters. myKaarma matches communication values by containment, so a cut
// email still finds its customer and at worst widens the candidate set; the decision tree
// then compares full values, so a wider set never picks a wrong customer. A cut
// customerKey, though, cannot equal the stored key: such a customer is found only through
// its VINs, phones or emails.
func searchTerms(tokens []string) []string {
	var terms []string
	cur := ""
	for _, t := range tokens {
		t = truncateRunes(t, maxTermLen)
		switch {
		case cur == "":
			cur = t
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(t) <= maxTermLen:
			cur += " " + t
		default:
			terms = append(terms, cur)
			cur = t
		}
	}
	if cur != "" {
		terms = append(terms, cur)
	}
	return terms
}
