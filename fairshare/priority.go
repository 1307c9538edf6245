package fairshare

import (
	"errors"
	"fmt"
	"strings"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/schemas"
)

// Priorities of events in the process stage (consumer.Inspection.Priority):
// with fair dispatch a free in-flight slot goes to the most urgent event
// waiting, unless one has waited PRIORITY_MAX_DEFER.
const (
	PriorityHigh   = -1
	PriorityNormal = 0
	PriorityLow    = 1
)

// DefaultPriorityRules is PRIORITY_RULES's default: a RECALL lead (an OEM
// campaign, produced in bursts of thousands, nobody waiting on the phone)
// waits behind SERVICE_DEMAND leads and customer events, which a customer
// or a salesperson is waiting for.
const DefaultPriorityRules = "leadType=RECALL:low"

// PriorityRule gives the events it matches a priority (PRIORITY_RULES).
type PriorityRule struct {
	// Field is leadType, eventType, department, topic or header.NAME.
	Field string
	// Value is what the field must equal. FromHeader rules have none.
	Value    string
	Priority int
	// FromHeader: the event's header Field names its priority (high,
	// normal, low); an event without it, or with another value, is left
	// to the next rule.
	FromHeader bool
}

// ParsePriorityRules reads PRIORITY_RULES:
//
//	rules = "none" | rule *("," rule)
//	rule  = field "=" value ":" level   events whose field equals value get level
//	      | "header." name              events whose header name is a level get it
//	field = "leadType" | "eventType" | "department" | "topic" | "header." name
//	level = "high" | "normal" | "low"
//
// The first rule that matches an event gives its priority; an event no rule
// matches is normal. Values are compared exactly; field names and levels in
// any case. "none" makes every event normal.
func ParsePriorityRules(s string) ([]PriorityRule, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "none") {
		return nil, nil
	}
	var rules []PriorityRule
	var errs []error
	for i, item := range strings.Split(s, ",") {
		r, err := parsePriorityRule(strings.TrimSpace(item))
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %d %q: %w", i+1, item, err))
			continue
		}
		rules = append(rules, r)
	}
	return rules, errors.Join(errs...)
}

func parsePriorityRule(item string) (PriorityRule, error) {
	if item == "" {
		return PriorityRule{}, errors.New("empty rule")
	}
	if name, ok := cutFold(item, "header."); ok && !strings.ContainsAny(item, "=:") {
		if name == "" {
			return PriorityRule{}, errors.New("header name missing")
		}
		return PriorityRule{Field: "header." + name, FromHeader: true}, nil
	}
	match, level, ok := cutLast(item, ":")
	if !ok {
		return PriorityRule{}, errors.New(`want field=value:level, such as leadType=RECALL:low, or header.NAME`)
	}
	p, ok := priorityByName(strings.TrimSpace(level))
	if !ok {
		return PriorityRule{}, fmt.Errorf("level %q: want high, normal or low", level)
	}
	field, value, ok := strings.Cut(match, "=")
	field, value = strings.TrimSpace(field), strings.TrimSpace(value)
	if !ok || value == "" {
		return PriorityRule{}, errors.New("want field=value before the level")
	}
	if name, ok := cutFold(field, "header."); ok {
		if name == "" {
			return PriorityRule{}, errors.New("header name missing")
		}
		return PriorityRule{Field: "header." + name, Value: value, Priority: p}, nil
	}
	for _, f := range []string{"leadType", "eventType", "department", "topic"} {
		if strings.EqualFold(field, f) {
			return PriorityRule{Field: f, Value: value, Priority: p}, nil
		}
	}
	return PriorityRule{}, fmt.Errorf("field %q: want leadType, eventType, department, topic or header.NAME", field)
}

// cutFold is strings.CutPrefix ignoring the prefix's case.
func cutFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// cutLast is strings.Cut at the last sep.
func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// Priority is the priority rules give m, whose event is ev (nil when it
// did not decode: only topic and header rules can match it).
func Priority(rules []PriorityRule, m *consumer.Message, ev *schemas.Event) int {
	for _, r := range rules {
		var got string
		switch name, isHeader := strings.CutPrefix(r.Field, "header."); {
		case isHeader:
			h := m.Header(name)
			if h == nil {
				continue
			}
			got = string(h)
		case r.Field == "topic":
			got = m.Topic
		case ev == nil:
			continue
		case r.Field == "eventType":
			got = ev.EventType
		case r.Field == "department":
			got = ev.DepartmentUUID
		case r.Field == "leadType" && ev.Lead != nil:
			got = ev.Lead.LeadType
		default:
			continue
		}
		if r.FromHeader {
			if p, ok := priorityByName(got); ok {
				return p
			}
			continue
		}
		if got == r.Value {
			return r.Priority
		}
	}
	return PriorityNormal
}

func priorityByName(s string) (int, bool) {
	switch strings.ToLower(s) {
	case "high":
		return PriorityHigh, true
	case "normal":
		return PriorityNormal, true
	case "low":
		return PriorityLow, true
	}
	return 0, false
}

// PriorityName is the label of a priority in metrics: high, normal or low
// (anything more urgent than high is high, less urgent than low is low).
func PriorityName(p int) string {
	switch {
	case p <= PriorityHigh:
		return "high"
	case p >= PriorityLow:
		return "low"
	}
	return "normal"
}
