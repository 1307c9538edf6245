package handlers

import (
	"context"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
)

// search is one attempt's searches: the candidates merged by uuid, first seen first, and
// the warnings that explain what the searches could not see.
type search struct {
	h        *Handler
	dept     string
	cands    []mykaarma.MinimalCustomer
	seen     map[string]bool
	warnings []schemas.Warning
}

// run sends one search, merges its candidates and reports whether it returned a full page:
// maxResults customers, and maybe more that myKaarma did not return (it has no next page).
func (s *search) run(ctx context.Context, text string, fields ...string) (full bool, err error) {
	res, err := s.h.api.SearchCustomersIn(ctx, s.dept, text, s.h.maxResults, fields...)
	if err != nil || res == nil {
		return false, err
	}
	for _, c := range res.Customers {
		if c.UUID == "" || s.seen[c.UUID] {
			continue
		}
		s.seen[c.UUID] = true
		s.cands = append(s.cands, c)
	}
	return len(res.Customers) >= s.h.maxResults, nil
}

func (s *search) warn(code, description string) {
	s.warnings = append(s.warnings, schemas.Warning{Source: SourceLeadworker, Code: code, Description: description})
}

// verdict applies the decision tree to the candidates so far and puts the searches'
// warnings first.
func (s *search) verdict(id identity) match {
	return s.warned(matchCustomer(id, s.cands, s.h.requireFirstName))
}

// warned returns m with the search's warnings before its own.
func (s *search) warned(m match) match {
	m.Warnings = append(s.warnings, m.Warnings...)
	return m
}

// find searches for the event's customer and applies the decision tree, so that no full
// page decides the outcome by what it left out:
//
//   - Every term is searched with all fields. When no search returns a full page, that is
//     all: a page that is not full holds every customer its tokens match, in any order.
//   - Rule 1 (customerKey) never depends on page size: when the term holding the key
//     returned a full page without the key, the key is searched on its own
//     (fieldsToBeSearched=customerKey). If even that page is full without the key, find
//     returns an error wrapping ErrKeyPageFull and mykaarma.ErrRejected: not created.
//   - A key longer than maxTermLen is searched by its first maxTermLen characters, in both
//     searches; rule 1 always compares the whole key, so other keys that begin the same way
//     are never matched. When the key's own search is full of such keys, no search can look
//     further (myKaarma searches at most maxTermLen characters), and sharing a beginning is
//     ordinary for long keys (a prefix naming the dealer or the system), so find does not
//     refuse the event: it goes on to rules 2 and 3 with a long-key-page-full warning. A
//     customer with the whole key beyond that page and found by nothing else is then missed.
//   - Rules 2 and 3 (last name with a contact or a VIN) use only identifiers whose customers
//     were all seen: each phone, email or VIN of a full term is searched on its own, and one
//     that fills a page even so is shared (a fleet line, a dealership number, a loaner car):
//     it is not used to match, with a shared-contact or shared-vin warning. When every phone
//     turns out shared, the emails are searched instead, as the tree does without a phone.
//   - Searches that cannot change the verdict are not sent: none after a rule-1 match, and
//     none for rules 2 and 3 when the event has no last name.
//
// The order of a page is not relied on: a match found on a full page is as good as any, and
// what a full page may hide is searched for.
func (h *Handler) find(ctx context.Context, dept string, id identity, terms []term) (match, error) {
	s := &search{h: h, dept: dept, seen: map[string]bool{}}
	var full []term
	for i, t := range terms {
		isFull, err := s.run(ctx, t.text)
		if err != nil {
			return match{}, err
		}
		if isFull {
			full = append(full, t)
			s.warn(WarnFullPage, fmt.Sprintf("search %d of %d returned a full page (%d customers) and may hide others; what the decision needed was searched on its own",
				i+1, len(terms), h.maxResults))
		}
	}
	if len(full) == 0 {
		return s.verdict(id), nil
	}

	// Rule 1 alone: a key-only identity has no first name, so requireFirstName cannot
	// change its verdict.
	byKey := identity{Key: id.Key}
	if m := matchCustomer(byKey, s.cands, false); m.UUID != "" {
		return s.warned(m), nil
	}
	if key, ok := keyToken(full); ok {
		isFull, err := s.run(ctx, key.text, mykaarma.FieldCustomerKey)
		if err != nil {
			return match{}, err
		}
		if m := matchCustomer(byKey, s.cands, false); m.UUID != "" {
			return s.warned(m), nil
		}
		switch {
		case isFull && utf8.RuneCountInString(id.Key) > maxTermLen:
			s.warn(WarnLongKeyPageFull, fmt.Sprintf("the customerKey is longer than %d characters and the search for its first %d returned a full page (%d customers) of other keys that begin the same way: a customer with the whole key beyond that page could not be seen",
				maxTermLen, maxTermLen, h.maxResults))
		case isFull:
			return match{}, fmt.Errorf("%w (%d customers): not matched by a weaker rule nor created, to avoid a duplicate (%w)",
				ErrKeyPageFull, h.maxResults, mykaarma.ErrRejected)
		}
	}
	if id.LastName == "" {
		return s.verdict(id), nil // rules 2 and 3 need a last name
	}

	usable := id
	for _, t := range full {
		for _, tok := range t.tokens {
			if len(tok.vins) == 0 && tok.phone == "" && tok.email == "" {
				continue
			}
			// A term of one token other than the key was already that token's own search.
			isFull := len(t.tokens) == 1 && !tok.key
			if !isFull {
				var err error
				if isFull, err = s.run(ctx, tok.text, slices.DeleteFunc(tok.fields(), isKeyField)...); err != nil {
					return match{}, err
				}
			}
			if isFull {
				usable = s.shared(usable, tok)
			}
		}
	}
	if len(id.Phones) > 0 && len(usable.Phones) == 0 {
		for _, e := range usable.Emails {
			tok := token{text: truncateRunes(e, maxTermLen), email: e}
			isFull, err := s.run(ctx, tok.text, mykaarma.FieldCommValue)
			if err != nil {
				return match{}, err
			}
			if isFull {
				usable = s.shared(usable, tok)
			}
		}
	}
	return s.verdict(usable), nil
}

// shared removes what tok stands for from id, with a shared-contact or shared-vin warning.
func (s *search) shared(id identity, tok token) identity {
	n := s.h.maxResults
	switch {
	case tok.phone != "":
		id.Phones = slices.DeleteFunc(slices.Clone(id.Phones), func(p string) bool { return p == tok.phone })
		s.warn(WarnSharedContact, fmt.Sprintf("phone ending in %s matched a full page (%d customers) on its own: shared, not used to match", maskPhone(tok.phone), n))
	case tok.email != "":
		id.Emails = slices.DeleteFunc(slices.Clone(id.Emails), func(e string) bool { return e == tok.email })
		s.warn(WarnSharedContact, fmt.Sprintf("email %s matched a full page (%d customers) on its own: shared, not used to match", maskEmail(tok.email), n))
	}
	if len(tok.vins) > 0 {
		id.VINs = slices.DeleteFunc(slices.Clone(id.VINs), func(v string) bool { return slices.Contains(tok.vins, v) })
		s.warn(WarnSharedVIN, fmt.Sprintf("VIN ending in %s matched a full page (%d customers) on its own (a fleet, loaner or often-sold car): not used to match", tok.text, n))
	}
	return id
}

// keyToken finds the customerKey's token among the tokens of full terms.
func keyToken(full []term) (token, bool) {
	for _, t := range full {
		for _, tok := range t.tokens {
			if tok.key {
				return tok, true
			}
		}
	}
	return token{}, false
}

func isKeyField(f string) bool { return f == mykaarma.FieldCustomerKey }
