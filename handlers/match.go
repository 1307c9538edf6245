package handlers

import (
	"fmt"
	"slices"
	"strings"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
)

// match is the decision tree's verdict over a search's candidates.
type match struct {
	UUID     string // "" when no candidate matched (Rule is schemas.RuleNone)
	Rule     string
	Warnings []schemas.Warning // ambiguous-match, when several candidates satisfied Rule
}

// matchCustomer applies the decision tree to the merged candidates, in the order the
// searches returned them:
//
//  1. customerKey: a candidate with the event's customerKey (ignoring case);
//  2. lastName+contact: a candidate without a customerKey, with the event's last name and
//     sharing one of its phones or emails;
//  3. lastName+vin: a candidate without a customerKey, with the event's last name and
//     sharing one of its full VINs.
//
// A candidate with a customerKey is chosen only by rule 1. id holds only the phones, emails
// and VINs that may be matched on (ignored and shared ones are left out by the caller). With
// requireFirstName, rules 2 and 3 also need compatible first names (compatibleFirstNames);
// when that changes the verdict, it carries a first-name-mismatch warning. When several
// candidates satisfy the winning rule, one whose first name also matches wins, then the
// first returned; the verdict then carries an ambiguous-match warning.
func matchCustomer(id identity, cands []mykaarma.MinimalCustomer, requireFirstName bool) match {
	m := applyRules(id, cands, requireFirstName)
	if !requireFirstName {
		return m
	}
	if loose := applyRules(id, cands, false); loose.UUID != m.UUID {
		verdict := "no customer matched"
		if m.UUID != "" {
			verdict = fmt.Sprintf("chose %s by rule %s", m.UUID, m.Rule)
		}
		m.Warnings = append(m.Warnings, schemas.Warning{
			Source:      SourceLeadworker,
			Code:        WarnFirstNameMismatch,
			Description: fmt.Sprintf("customer %s satisfied rule %s but its first name differs from the event's; %s", loose.UUID, loose.Rule, verdict),
		})
	}
	return m
}

// applyRules is the decision tree without the first-name-mismatch explanation.
func applyRules(id identity, cands []mykaarma.MinimalCustomer, requireFirstName bool) match {
	firstName := func(c *mykaarma.MinimalCustomer) bool {
		return !requireFirstName || compatibleFirstNames(c.FirstName, id.FirstName)
	}
	rules := []struct {
		name string
		ok   func(c *mykaarma.MinimalCustomer) bool
	}{
		{schemas.RuleCustomerKey, func(c *mykaarma.MinimalCustomer) bool {
			return c.CustomerKey != nil && sameKey(*c.CustomerKey, id.Key)
		}},
		{schemas.RuleLastNameContact, func(c *mykaarma.MinimalCustomer) bool {
			return keyless(c) && sameName(c.LastName, id.LastName) && sharesContact(id, c) && firstName(c)
		}},
		{schemas.RuleLastNameVIN, func(c *mykaarma.MinimalCustomer) bool {
			return keyless(c) && sameName(c.LastName, id.LastName) && sharesVIN(id, c) && firstName(c)
		}},
	}
	for _, r := range rules {
		var hits []*mykaarma.MinimalCustomer
		for i := range cands {
			if cands[i].UUID != "" && r.ok(&cands[i]) {
				hits = append(hits, &cands[i])
			}
		}
		if len(hits) == 0 {
			continue
		}
		chosen := hits[0]
		for _, c := range hits {
			if sameName(c.FirstName, id.FirstName) {
				chosen = c
				break
			}
		}
		m := match{UUID: chosen.UUID, Rule: r.name}
		if len(hits) > 1 {
			m.Warnings = []schemas.Warning{{
				Source:      SourceLeadworker,
				Code:        WarnAmbiguousMatch,
				Description: fmt.Sprintf("%d candidates matched rule %s; chose %s", len(hits), r.name, chosen.UUID),
			}}
		}
		return m
	}
	return match{Rule: schemas.RuleNone}
}

// keyless reports whether a candidate has no customerKey (null or blank).
func keyless(c *mykaarma.MinimalCustomer) bool {
	return c.CustomerKey == nil || strings.TrimSpace(*c.CustomerKey) == ""
}

// sharesContact reports whether a candidate has one of the event's phones (compared as
// 10 digits) or emails (compared case-folded). A communication of unknown type is tried
// as both.
func sharesContact(id identity, c *mykaarma.MinimalCustomer) bool {
	for _, comm := range c.Communications {
		if comm.CommType != mykaarma.CommEmail {
			if d, ok := normPhone(comm.CommValue); ok && slices.Contains(id.Phones, d) {
				return true
			}
		}
		if comm.CommType != mykaarma.CommPhone && slices.Contains(id.Emails, normEmail(comm.CommValue)) {
			return true
		}
	}
	return false
}

// sharesVIN reports whether a candidate has one of the event's full VINs.
func sharesVIN(id identity, c *mykaarma.MinimalCustomer) bool {
	for _, v := range c.Vehicles {
		if vin := normVIN(v.VIN); vin != "" && slices.Contains(id.VINs, vin) {
			return true
		}
	}
	return false
}
