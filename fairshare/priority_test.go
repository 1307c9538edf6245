package fairshare

import (
	"strings"
	"testing"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/schemas"
)

func TestDefaultPriorityRules(t *testing.T) {
	rules, err := ParsePriorityRules(DefaultPriorityRules)
	if err != nil {
		t.Fatalf("ParsePriorityRules(%q) = %v", DefaultPriorityRules, err)
	}
	if len(rules) != 1 || rules[0] != (PriorityRule{Field: "leadType", Value: "RECALL", Priority: PriorityLow}) {
		t.Errorf("ParsePriorityRules(%q) = %v; want RECALL leads low", DefaultPriorityRules, rules)
	}
}

func TestParsePriorityRules(t *testing.T) {
	tests := []struct {
		in      string
		want    []PriorityRule
		wantErr string // "" = valid
	}{
		{in: "leadType=RECALL:low", want: []PriorityRule{{Field: "leadType", Value: "RECALL", Priority: PriorityLow}}},
		{in: " LEADTYPE = SERVICE_DEMAND : High , topic=crm.bulk:low", want: []PriorityRule{
			{Field: "leadType", Value: "SERVICE_DEMAND", Priority: PriorityHigh}, {Field: "topic", Value: "crm.bulk", Priority: PriorityLow}}},
		{in: "header.leadworker.priority", want: []PriorityRule{{Field: "header.leadworker.priority", FromHeader: true}}},
		{in: "header.x-source=import:low,department=d-1:normal,eventType=customer:high", want: []PriorityRule{
			{Field: "header.x-source", Value: "import", Priority: PriorityLow},
			{Field: "department", Value: "d-1", Priority: PriorityNormal},
			{Field: "eventType", Value: "customer", Priority: PriorityHigh}}},
		{in: "header.trace=a:b:low", want: []PriorityRule{{Field: "header.trace", Value: "a:b", Priority: PriorityLow}}},
		{in: "none"},
		{in: "NONE"},
		{in: "leadType=RECALL", wantErr: "want field=value:level"},
		{in: "leadType=RECALL:later", wantErr: `level "later"`},
		{in: "dealer=d-1:low", wantErr: `field "dealer"`},
		{in: "leadType=:low", wantErr: "want field=value"},
		{in: "leadType:low", wantErr: "want field=value"},
		{in: "header.", wantErr: "header name missing"},
		{in: "header.=x:low", wantErr: "header name missing"},
		{in: "leadType=RECALL:low,,topic=t:low", wantErr: "rule 2"},
		{in: "", wantErr: "empty rule"},
	}
	for _, tt := range tests {
		got, err := ParsePriorityRules(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePriorityRules(%q) error = %v; want one with %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParsePriorityRules(%q) = %v; want nil", tt.in, err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("ParsePriorityRules(%q) = %+v; want %+v", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("ParsePriorityRules(%q)[%d] = %+v; want %+v", tt.in, i, got[i], tt.want[i])
			}
		}
	}
}

func TestPriorityOf(t *testing.T) {
	rules, err := ParsePriorityRules("header.leadworker.priority,topic=crm.bulk:low,department=d-vip:high," + DefaultPriorityRules)
	if err != nil {
		t.Fatal(err)
	}
	lead := func(leadType, dept string) *schemas.Event {
		return &schemas.Event{EventType: schemas.TypeLead, DepartmentUUID: dept, Lead: &schemas.Lead{LeadType: leadType}}
	}
	customer := &schemas.Event{EventType: schemas.TypeCustomer, DepartmentUUID: "d-1"}
	msg := func(topic string, hs ...consumer.Header) *consumer.Message {
		return &consumer.Message{Topic: topic, Headers: hs}
	}
	prio := func(v string) consumer.Header { return consumer.Header{Key: "leadworker.priority", Value: []byte(v)} }
	tests := []struct {
		name  string
		rules []PriorityRule
		m     *consumer.Message
		ev    *schemas.Event
		want  int
	}{
		{"recall lead", rules, msg("crm.events"), lead("RECALL", "d-1"), PriorityLow},
		{"service demand lead", rules, msg("crm.events"), lead("SERVICE_DEMAND", "d-1"), PriorityNormal},
		{"customer event", rules, msg("crm.events"), customer, PriorityNormal},
		{"header raises a recall lead", rules, msg("crm.events", prio("high")), lead("RECALL", "d-1"), PriorityHigh},
		{"header in any case", rules, msg("crm.events", prio("LOW")), lead("SERVICE_DEMAND", "d-1"), PriorityLow},
		{"header not a level: next rule", rules, msg("crm.events", prio("urgent")), lead("RECALL", "d-1"), PriorityLow},
		{"topic", rules, msg("crm.bulk"), lead("SERVICE_DEMAND", "d-1"), PriorityLow},
		{"department", rules, msg("crm.events"), lead("RECALL", "d-vip"), PriorityHigh},
		{"undecoded event: only topic and headers", rules, msg("crm.events"), nil, PriorityNormal},
		{"undecoded event on a low topic", rules, msg("crm.bulk"), nil, PriorityLow},
		{"no rules", nil, msg("crm.events"), lead("RECALL", "d-1"), PriorityNormal},
	}
	for _, tt := range tests {
		if got := Priority(tt.rules, tt.m, tt.ev); got != tt.want {
			t.Errorf("%s: Priority() = %d; want %d", tt.name, got, tt.want)
		}
	}
}
