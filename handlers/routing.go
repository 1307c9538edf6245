package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// How RoutingKey chose an event's routing key.
const (
	RouteByLastName    = "lastName"    // department and last name: the usual case
	RouteByCustomerKey = "customerKey" // no last name: department and customerKey
	RouteByContact     = "contact"     // no last name, no key: department and first phone or email
	RouteByEventID     = "eventId"     // nothing identifies the customer
)

// routingKey returns the Kafka key under which an event is routed, so that
// one replica handles, in order, every event the decision tree could match
// to it, and how the key was chosen (RouteBy...): from the department, the
// event's id and its customer's filtered identity.
//
// The invariant: two events that the decision tree could match to each
// other get the same routing key. Customers belong to a department, and
// rules 2 (last name with a phone or email) and 3 (last name with a VIN) both
// require the same last name, so the department with the case-folded last
// name serves both. Rule 1 (customerKey) needs no last name, but an event of
// one customerKey nearly always carries one last name, so the same key holds.
// It does not hold in two cases, which are not routed together:
//
//   - a customerKey that arrives both with and without a last name: the
//     event without one is routed by the customerKey (RouteByCustomerKey;
//     count these to see how often it happens);
//   - a customerKey whose last name changes between events (a marriage, a
//     typo fixed in the CRM).
//
// Within one replica the identity lock still serialises such events when
// they meet; across replicas they are no better off than without routing.
//
// The key is a SHA-256 digest, never the plain surname: it is a Kafka key
// that tools and logs show.
func routingKey(dept, eventID string, id identity) (key []byte, by string) {
	last := fold(id.LastName)
	switch {
	case last != "":
		return digest(dept, "last", last), RouteByLastName
	case id.Key != "":
		return digest(dept, "key", strings.ToLower(id.Key)), RouteByCustomerKey
	case len(id.Phones) > 0:
		return digest(dept, "phone", id.Phones[0]), RouteByContact
	case len(id.Emails) > 0:
		return digest(dept, "email", id.Emails[0]), RouteByContact
	}
	return digest(dept, "event", eventID), RouteByEventID
}

func digest(parts ...string) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	sum := h.Sum(nil)
	return []byte(hex.EncodeToString(sum[:16]))
}
