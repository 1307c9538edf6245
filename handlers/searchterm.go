package handlers

import (
	"strings"
	"unicode/utf8"

	"github.com/leadworker/leadworker/mykaarma"
)

// maxTermLen is the longest searchTerm myKaarma accepts, in characters.
const maxTermLen = 30

// token is one search token and the identifiers of the event it stands for.
type token struct {
	text  string   // as sent, at most maxTermLen characters
	key   bool     // the customerKey, or its first maxTermLen characters when longer
	vins  []string // the full VINs whose last 8 characters text is
	phone string   // 10 digits, when text is a phone
	email string   // the folded address text was cut from, when text is an email
}

// fields are the fields that can match the token, for a search on it alone.
func (t token) fields() []string {
	var fs []string
	if len(t.vins) > 0 {
		fs = append(fs, mykaarma.FieldVIN)
	}
	if t.phone != "" || t.email != "" {
		fs = append(fs, mykaarma.FieldCommValue)
	}
	if t.key {
		fs = append(fs, mykaarma.FieldCustomerKey)
	}
	return fs
}

// term is one search: space-joined tokens.
type term struct {
	text   string
	tokens []token
}

// searchTokens lists the search tokens of the decision tree, in this order and without
// repeats (compared ignoring case; a repeat adds what it stands for to the first): the
// complete customerKey (its first maxTermLen characters when longer), the last 8
// characters of each VIN, each valid 10-digit phone, and
// each email only when the customer has no phone to match on. Contacts that are ignored
// for matching are not in id, so they are never searched: they could only fill the page.
func searchTokens(id identity) []token {
	var toks []token
	at := map[string]int{}
	add := func(t token) {
		t.text = truncateRunes(t.text, maxTermLen)
		k := strings.ToUpper(t.text)
		if t.text == "" {
			return
		}
		if i, ok := at[k]; ok {
			toks[i].key = toks[i].key || t.key
			toks[i].vins = append(toks[i].vins, t.vins...)
			toks[i].phone = either(toks[i].phone, t.phone)
			toks[i].email = either(toks[i].email, t.email)
			return
		}
		at[k] = len(toks)
		toks = append(toks, t)
	}
	add(token{text: id.Key, key: true})
	for _, v := range id.VINs {
		tail := v
		if n := utf8.RuneCountInString(v); n > 8 {
			tail = string([]rune(v)[n-8:])
		}
		add(token{text: tail, vins: []string{v}})
	}
	for _, p := range id.Phones {
		add(token{text: p, phone: p})
	}
	if len(id.Phones) == 0 {
		for _, e := range id.Emails {
			add(token{text: e, email: e})
		}
	}
	return toks
}

// searchTerms packs tokens greedily, in order, into space-joined terms of at most
// maxTermLen characters; each term is one search, and the caller merges their candidates.
//
// A single token longer than maxTermLen (a long email or customerKey) was cut to its first
// maxTermLen characters by searchTokens: the longest beginning the search accepts. myKaarma
// matches communication values by containment, so a cut email still finds its customer and
// at worst widens the candidate set. A customerKey may have 100 characters; myKaarma finds
// a longer key by its first maxTermLen characters, together with every other key that
// begins the same way. The decision tree compares whole values (rule 1 the whole key), so a
// wider set never picks a wrong customer, and find searches the cut key on its own when a
// page of such keys is full.
func searchTerms(tokens []token) []term {
	var terms []term
	var cur term
	for _, t := range tokens {
		switch {
		case cur.text == "":
			cur = term{text: t.text, tokens: []token{t}}
		case utf8.RuneCountInString(cur.text)+1+utf8.RuneCountInString(t.text) <= maxTermLen:
			cur.text += " " + t.text
			cur.tokens = append(cur.tokens, t)
		default:
			terms = append(terms, cur)
			cur = term{text: t.text, tokens: []token{t}}
		}
	}
	if cur.text != "" {
		terms = append(terms, cur)
	}
	return terms
}
