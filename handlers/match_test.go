package handlers

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
)

func key(s string) *string { return &s }

// cand builds a search hit; comms are "P:value" or "E:value", vins are full VINs.
func cand(uuid string, k *string, first, last string, comms []string, vins ...string) mykaarma.MinimalCustomer {
	c := mykaarma.MinimalCustomer{UUID: uuid, CustomerKey: k, FirstName: first, LastName: last}
	for _, cm := range comms {
		c.Communications = append(c.Communications, mykaarma.Communication{CommType: cm[:1], CommValue: cm[2:]})
	}
	for _, v := range vins {
		c.Vehicles = append(c.Vehicles, mykaarma.MinimalVehicle{UUID: "v-" + uuid, VIN: v})
	}
	return c
}

func ambiguous(n int, rule, uuid string) []schemas.Warning {
	return []schemas.Warning{{Source: SourceLeadworker, Code: WarnAmbiguousMatch,
		Description: fmt.Sprintf("%d candidates matched rule %s; chose %s", n, rule, uuid)}}
}

func TestMatchCustomer(t *testing.T) {
	t.Parallel()
	const vin = "1FTFW1E50PFA6C650709"
	doe := identity{Key: "DOM123", FirstName: "John", LastName: "Doe",
		Phones: []string{"9891361006"}, Emails: []string{"john.doe@gmail.com"}, VINs: []string{vin}}
	noKey := doe
	noKey.Key = ""

	tests := []struct {
		name  string
		id    identity
		cands []mykaarma.MinimalCustomer
		want  match
	}{
		{"no candidates", doe, nil, match{Rule: schemas.RuleNone}},
		{"key match", doe, []mykaarma.MinimalCustomer{cand("c1", key("DOM123"), "X", "Y", nil)},
			match{UUID: "c1", Rule: schemas.RuleCustomerKey}},
		{"key match ignores case and spaces", doe, []mykaarma.MinimalCustomer{cand("c1", key(" dom123 "), "", "", nil)},
			match{UUID: "c1", Rule: schemas.RuleCustomerKey}},
		{"key beats contact on an older candidate", doe, []mykaarma.MinimalCustomer{
			cand("old", nil, "John", "Doe", []string{"P:+19891361006"}),
			cand("keyed", key("DOM123"), "", "", nil)},
			match{UUID: "keyed", Rule: schemas.RuleCustomerKey}},
		{"different key never chosen, even with name and contact and vin", doe, []mykaarma.MinimalCustomer{
			cand("other", key("XYZ9"), "John", "Doe", []string{"P:+19891361006", "E:john.doe@gmail.com"}, vin)},
			match{Rule: schemas.RuleNone}},
		{"keyed candidate not chosen by contact when the event has no key", noKey, []mykaarma.MinimalCustomer{
			cand("keyed", key("DOM123"), "John", "Doe", []string{"P:+19891361006"}, vin)},
			match{Rule: schemas.RuleNone}},
		{"empty key is null", noKey, []mykaarma.MinimalCustomer{cand("c1", key(""), "", "Doe", []string{"P:9891361006"})},
			match{UUID: "c1", Rule: schemas.RuleLastNameContact}},
		{"blank key is null", noKey, []mykaarma.MinimalCustomer{cand("c1", key("  "), "", "Doe", []string{"P:9891361006"})},
			match{UUID: "c1", Rule: schemas.RuleLastNameContact}},
		{"event key unmatched falls to contact on null-key candidate", doe, []mykaarma.MinimalCustomer{
			cand("other", key("XYZ9"), "John", "Doe", []string{"P:+19891361006"}),
			cand("nullkey", nil, "Jim", "Doe", []string{"P:(989) 136-1006"})},
			match{UUID: "nullkey", Rule: schemas.RuleLastNameContact}},
		{"contact by phone in e164", noKey, []mykaarma.MinimalCustomer{cand("c1", nil, "", "Doe", []string{"P:+19891361006"})},
			match{UUID: "c1", Rule: schemas.RuleLastNameContact}},
		{"contact by email ignoring case", noKey, []mykaarma.MinimalCustomer{cand("c1", nil, "", "Doe", []string{"E:John.Doe@GMAIL.com"})},
			match{UUID: "c1", Rule: schemas.RuleLastNameContact}},
		{"contact of unknown comm type", noKey, []mykaarma.MinimalCustomer{cand("c1", nil, "", "Doe", []string{"X:john.doe@gmail.com"})},
			match{UUID: "c1", Rule: schemas.RuleLastNameContact}},
		{"phone value under email type does not count", noKey, []mykaarma.MinimalCustomer{cand("c1", nil, "", "Doe", []string{"E:9891361006"})},
			match{Rule: schemas.RuleNone}},
		{"contact needs last name", noKey, []mykaarma.MinimalCustomer{cand("c1", nil, "John", "Smith", []string{"P:9891361006"})},
			match{Rule: schemas.RuleNone}},
		{"last name case and unicode", identity{LastName: "MÜLLER", Phones: []string{"9891361006"}},
			[]mykaarma.MinimalCustomer{cand("c1", nil, "", "mu\u0308ller", []string{"P:9891361006"})},
			match{UUID: "c1", Rule: schemas.RuleLastNameContact}},
		{"event without last name never matches b or c", identity{Phones: []string{"9891361006"}, VINs: []string{vin}},
			[]mykaarma.MinimalCustomer{cand("c1", nil, "", "", []string{"P:9891361006"}, vin)},
			match{Rule: schemas.RuleNone}},
		{"last name alone is not enough", noKey, []mykaarma.MinimalCustomer{cand("c1", nil, "John", "Doe", []string{"P:1112223333"})},
			match{Rule: schemas.RuleNone}},
		{"vin rule", noKey, []mykaarma.MinimalCustomer{cand("c1", nil, "", "Doe", nil, vin)},
			match{UUID: "c1", Rule: schemas.RuleLastNameVIN}},
		{"vin rule ignores vin case", noKey, []mykaarma.MinimalCustomer{cand("c1", nil, "", "doe", nil, "1ftfw1e50pfa6c650709")},
			match{UUID: "c1", Rule: schemas.RuleLastNameVIN}},
		{"vin rule needs the full vin", noKey, []mykaarma.MinimalCustomer{cand("c1", nil, "", "Doe", nil, "ZZZZZZZZZZZZ6C650709")},
			match{Rule: schemas.RuleNone}},
		{"vin rule needs null key", noKey, []mykaarma.MinimalCustomer{cand("c1", key("K"), "", "Doe", nil, vin)},
			match{Rule: schemas.RuleNone}},
		{"contact beats vin on an older candidate", noKey, []mykaarma.MinimalCustomer{
			cand("byvin", nil, "John", "Doe", nil, vin),
			cand("bycontact", nil, "", "Doe", []string{"E:john.doe@gmail.com"})},
			match{UUID: "bycontact", Rule: schemas.RuleLastNameContact}},
		{"vin tie prefers first name", noKey, []mykaarma.MinimalCustomer{
			cand("jane", nil, "Jane", "Doe", nil, vin),
			cand("john", nil, "JOHN", "Doe", nil, vin)},
			match{UUID: "john", Rule: schemas.RuleLastNameVIN, Warnings: ambiguous(2, schemas.RuleLastNameVIN, "john")}},
		{"contact tie prefers first name", noKey, []mykaarma.MinimalCustomer{
			cand("jane", nil, "Jane", "Doe", []string{"P:9891361006"}),
			cand("john", nil, "John", "Doe", []string{"P:9891361006"})},
			match{UUID: "john", Rule: schemas.RuleLastNameContact, Warnings: ambiguous(2, schemas.RuleLastNameContact, "john")}},
		{"tie without first name match takes the oldest", noKey, []mykaarma.MinimalCustomer{
			cand("a", nil, "Ann", "Doe", []string{"P:9891361006"}),
			cand("b", nil, "Bob", "Doe", []string{"P:9891361006"}),
			cand("c", nil, "Cy", "Doe", []string{"E:john.doe@gmail.com"})},
			match{UUID: "a", Rule: schemas.RuleLastNameContact, Warnings: ambiguous(3, schemas.RuleLastNameContact, "a")}},
		{"tie of first-name matches takes the oldest", noKey, []mykaarma.MinimalCustomer{
			cand("x", nil, "Ann", "Doe", []string{"P:9891361006"}),
			cand("a", nil, "John", "Doe", []string{"P:9891361006"}),
			cand("b", nil, "john", "Doe", []string{"P:9891361006"})},
			match{UUID: "a", Rule: schemas.RuleLastNameContact, Warnings: ambiguous(3, schemas.RuleLastNameContact, "a")}},
		{"key tie prefers first name", doe, []mykaarma.MinimalCustomer{
			cand("k1", key("DOM123"), "Jim", "Doe", nil),
			cand("k2", key("dom123"), "John", "Doe", nil)},
			match{UUID: "k2", Rule: schemas.RuleCustomerKey, Warnings: ambiguous(2, schemas.RuleCustomerKey, "k2")}},
		{"event without first name takes the oldest", identity{LastName: "Doe", Phones: []string{"9891361006"}},
			[]mykaarma.MinimalCustomer{cand("a", nil, "", "Doe", []string{"P:9891361006"}), cand("b", nil, "", "Doe", []string{"P:9891361006"})},
			match{UUID: "a", Rule: schemas.RuleLastNameContact, Warnings: ambiguous(2, schemas.RuleLastNameContact, "a")}},
		{"candidate without uuid ignored", doe, []mykaarma.MinimalCustomer{cand("", key("DOM123"), "", "", nil)},
			match{Rule: schemas.RuleNone}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := matchCustomer(tt.id, tt.cands, false)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("matchCustomer = %+v; want %+v", got, tt.want)
			}
		})
	}
}
