package handlers

import (
	"strings"

	"github.com/leadworker/leadworker/schemas"
)

// Identity is how an event's customer is recognised. Every use of it comes
// from one identity, the one the decision tree searches and matches with:
// placeholders and the dealer's ignored contacts are left out of it once
// (Options.IgnoreContacts), so that a placeholder phone neither routes nor
// locks nor orders unrelated customers together.
type Identity struct {
	// Tokens are the ways the decision tree could match the customer to
	// another event's, scoped to its department: its customerKey (rule 1),
	// and its last name together with each phone and email (rule 2) and each
	// VIN (rule 3). Two events that share no token cannot match each other;
	// two that share one could, so they must not run at once (the identity
	// lock) and should run in order (Lane). The first is the primary one:
	// the customerKey when there is one, else the last name with the first
	// phone, email or VIN. An event without a last name and without a
	// customerKey has none.
	Tokens []string
	// RoutingKey and RoutedBy: see routing.go.
	RoutingKey []byte
	RoutedBy   string
}

// Lane is the primary token, "" when there is none: events of one lane are
// handled in order.
func (i Identity) Lane() string {
	if len(i.Tokens) == 0 {
		return ""
	}
	return i.Tokens[0]
}

// Identify returns ev's identity.
func (h *Handler) Identify(ev *schemas.Event) Identity {
	return identify(ev, h.subject(ev).id)
}

// identify derives the identity of ev, whose customer's filtered identity
// is id.
func identify(ev *schemas.Event, id identity) Identity {
	key, by := routingKey(ev.DepartmentUUID, ev.EventID, id)
	return Identity{Tokens: identityTokens(ev.DepartmentUUID, id), RoutingKey: key, RoutedBy: by}
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
