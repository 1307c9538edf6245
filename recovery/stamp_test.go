package recovery

import (
	"testing"

	"github.com/segmentio/kafka-go"
)

// An output of a parked record answers the parked record's position
// (source.parked), not the input position its source.* headers name.
func TestSourceOfParked(t *testing.T) {
	in := Origin{Topic: "crm.events", Partition: 2, Offset: 40}
	parked := Origin{Topic: "g.parked", Partition: 1, Offset: 7}
	for _, tt := range []struct {
		name   string
		parked *Origin
		want   Origin
	}{
		{"an input's output", nil, in},
		{"a parked record's output", &parked, parked},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &kafka.Record{Headers: SourceHeaders(nil, in, tt.parked, NewStamp(1, []byte("v")))}
			tp, off, ok := sourceOf(r, false)
			if !ok || tp.topic != tt.want.Topic || tp.partition != tt.want.Partition || off != tt.want.Offset {
				t.Errorf("sourceOf() = %v %d %v; want %v", tp, off, ok, tt.want)
			}
		})
	}
}

func TestParseOrigin(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Origin
		ok   bool
	}{
		{"g.parked/3/1200", Origin{"g.parked", 3, 1200}, true},
		{"a/b", Origin{}, false},
		{"/1/2", Origin{}, false},
		{"t/x/2", Origin{}, false},
	} {
		got, ok := parseOrigin(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseOrigin(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok && got.String() != tt.in {
			t.Errorf("String() = %q; want %q", got.String(), tt.in)
		}
	}
}
