package worker

import (
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/mykaarma"
	"testing"

	"github.com/leadworker/leadworker/consumer"
)

func TestInspectLane(t *testing.T) {
	t.Parallel()
	const (
		smithPhone   = `{"eventType":"customer","departmentUuid":"d1","customer":{"lastName":"Smith","phoneNumbers":[{"phoneNumber":"(415) 684-0100"}]}}`
		smithPhoneE  = `{"eventType":"customer","departmentUuid":"d1","customer":{"lastName":"SMITH","phoneNumbers":[{"phoneNumber":"+14156840100"}]}}`
		keyedLead    = `{"eventType":"lead","departmentUuid":"d1","lead":{"customer":{"customerKey":"DMS-1","lastName":"Ng"}}}`
		noIdentity   = `{"eventType":"customer","departmentUuid":"d1","customer":{"firstName":"Ann","phoneNumbers":[{"phoneNumber":"4155550100"}]}}`
		notJSON      = `{"eventType":`
		otherDeptKey = `{"eventType":"lead","departmentUuid":"d2","lead":{"customer":{"customerKey":"DMS-1","lastName":"Ng"}}}`
	)
	msg := func(key, value string, offset int64) *consumer.Message {
		m := &consumer.Message{Topic: "in", Partition: 0, Offset: offset, Value: []byte(value), Routed: true}
		if key != "" {
			m.Key = []byte(key)
		}
		return m
	}
	tests := []struct {
		name string
		a, b *consumer.Message
		same bool
	}{
		{"Kafka key wins", msg("k1", smithPhone, 1), msg("k1", noIdentity, 2), true},
		{"different Kafka keys", msg("k1", smithPhone, 1), msg("k2", smithPhone, 2), false},
		{"unkeyed: one customer written two ways", msg("", smithPhone, 1), msg("", smithPhoneE, 2), true},
		{"unkeyed: customerKey is primary", msg("", keyedLead, 1), msg("", keyedLead, 2), true},
		{"unkeyed: departments do not share keys", msg("", keyedLead, 1), msg("", otherDeptKey, 2), false},
		{"unkeyed, nothing identifies it", msg("", noIdentity, 1), msg("", noIdentity, 2), false},
		{"unkeyed, not JSON", msg("", notJSON, 1), msg("", notJSON, 2), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inspect := inspector(testIdentifier(t), nil)
			a, b := inspect(tt.a).Lane, inspect(tt.b).Lane
			if (a == b) != tt.same {
				t.Errorf("lanes %q and %q; same = %v, want %v", a, b, a == b, tt.same)
			}
			if _, ok := tt.a.Payload.(*decoded); !ok {
				t.Errorf("Payload = %T; want the decoded event for the processor", tt.a.Payload)
			}
		})
	}
}

// testIdentifier is a handler with the default options, for its Identify.
func testIdentifier(t *testing.T) identifier {
	t.Helper()
	h, err := handlers.New(handlers.Options{API: &mykaarma.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}
