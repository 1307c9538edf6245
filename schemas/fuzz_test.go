package schemas

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzDecode checks that Decode never panics, that its errors are well-formed, and that an
// event it accepts has a known type, marshals, and decodes again to the same event.
func FuzzDecode(f *testing.F) {
	for _, dir := range []string{"valid", "invalid"} {
		for _, file := range testdataFiles(f, dir) {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		id := PeekEventID(b)
		ev, err := Decode(b)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("Decode error %#v; want a *ValidationError with problems", err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("errors.Is(%v, ErrInvalid) = false", err)
			}
			if msg := err.Error(); msg == "" || len(msg) > maxErrorLen+64 {
				t.Fatalf("Error() has length %d", len(msg))
			}
			if strings.HasPrefix(ve.Problems[0].Message, "decode: ") {
				t.Fatalf("schema admitted a value that does not decode: %v\ninput: %q", err, b)
			}
			if ev != nil {
				t.Fatalf("Decode returned an event with error %v", err)
			}
			return
		}
		switch ev.EventType {
		case TypeLead:
			if ev.Lead == nil || ev.Customer != nil || ev.Vehicles != nil {
				t.Fatalf("lead event %+v; want only Lead set", ev)
			}
		case TypeCustomer:
			if ev.Customer == nil || ev.Lead != nil || ev.DealerUUID != "" {
				t.Fatalf("customer event %+v; want only Customer set", ev)
			}
		default:
			t.Fatalf("EventType = %q; want lead or customer", ev.EventType)
		}
		if ev.EventID != id {
			t.Fatalf("EventID = %q; PeekEventID = %q", ev.EventID, id)
		}
		out, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("Marshal(%+v): %v", ev, err)
		}
		again, err := Decode(out)
		if err != nil {
			t.Fatalf("Decode(Marshal(event)) = %v\ninput:  %s\noutput: %s", err, b, out)
		}
		out2, err := json.Marshal(again)
		if err != nil || string(out2) != string(out) {
			t.Fatalf("round trip changed the event:\n first: %s\nsecond: %s (%v)", out, out2, err)
		}
	})
}
