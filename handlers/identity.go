package handlers

import (
	"strings"

	"github.com/leadworker/leadworker/schemas"
)

// Identity returns the ways the decision tree could match ev's customer to
// another event's, scoped to its department: its customerKey (rule 1), and its
// last name together with each phone and email (rule 2) and each VIN (rule 3).
// Two events that share no token cannot match each other; two that share one
// could, so they must not run at once (the identity lock) and should run in
// order (the consumer's lanes).
//
// The first token is the primary one: the customerKey when there is one, else
// the last name with the first phone, email or VIN. An event without a last
// name and without a customerKey has no token.
func Identity(ev *schemas.Event) []string {
	return identityTokens(ev.DepartmentUUID, eventSubject(ev).id)
}

// identityTokens lists id's tokens, primary first, in a stable order.
func identityTokens(dept string, id identity) []string {
	var ts []string
	if id.Key != "" {
		ts = append(ts, dept+"\x00key\x00"+strings.ToLower(id.Key))
	}
	last := fold(id.LastName)
	if last == "" {
		return ts
	}
	add := func(kind string, vs []string) {
		for _, v := range vs {
			ts = append(ts, dept+"\x00"+last+"\x00"+kind+"\x00"+v)
		}
	}
	add("phone", id.Phones)
	add("email", id.Emails)
	add("vin", id.VINs)
	return ts
}
