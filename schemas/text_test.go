package schemas

import (
	"errors"
	"testing"
)

func TestDecodeText(t *testing.T) {
	t.Parallel()
	const name = `"customer":{}`
	tests := []struct {
		name string
		old  string // replaced in minimalLead
		new  string
		want string // Decode's error; "" means valid
	}{
		{name: "NUL in a name", old: name, new: `"customer":{"firstName":"Al\u0000"}`,
			want: "/lead/customer/firstName: contains a NUL character"},
		{name: "NUL in the eventId", old: `"lead-min-1"`, new: `"lead-\u0000"`,
			want: "/eventId: contains a NUL character"},
		{name: "lone high surrogate", old: name, new: `"customer":{"lastName":"Ng\ud800uyen"}`,
			want: "/lead/customer/lastName: contains an unpaired surrogate"},
		{name: "lone high surrogate at the end", old: name, new: `"customer":{"lastName":"Ng\uD800"}`,
			want: "/lead/customer/lastName: contains an unpaired surrogate"},
		{name: "lone low surrogate", old: name, new: `"customer":{"company":"\udc00 GmbH"}`,
			want: "/lead/customer/company: contains an unpaired surrogate"},
		{name: "two high surrogates then a low one", old: name, new: `"customer":{"company":"\ud83d\ud83d\ude97"}`,
			want: "/lead/customer/company: contains an unpaired surrogate"},
		{name: "high surrogate before a non-surrogate escape", old: name, new: `"customer":{"company":"\ud83d\u0041"}`,
			want: "/lead/customer/company: contains an unpaired surrogate"},
		{name: "high surrogate before an escape above the surrogates", old: name, new: `"customer":{"company":"\ud83d\ue000"}`,
			want: "/lead/customer/company: contains an unpaired surrogate"},
		{name: "in an array item", old: `"name":"Recall 22V123"`, new: `"name":"Recall \udfff"`,
			want: "/lead/services/0/name: contains an unpaired surrogate"},
		{name: "with a schema problem", old: `"status":"NEW"`, new: `"status":"N\u0000EW"`,
			want: `/lead/status: contains a NUL character; /lead/status: value must be "NEW"`},
		{name: "surrogate pair", old: name, new: `"customer":{"company":"Autohaus \ud83d\ude97"}`},
		{name: "literal replacement character", old: name, new: `"customer":{"lastName":"Ng` + "\uFFFD" + `uyen"}`},
		{name: "escaped replacement character", old: name, new: `"customer":{"lastName":"Ng\ufffduyen"}`},
		{name: "escaped backslash before u0000", old: name, new: `"customer":{"lastName":"a\\u0000 \\ud800"}`},
		{name: "NUL in an unknown property", old: name, new: `"customer":{"nickname":"Al\u0000"}`},
		{name: "NUL in a case variant, which is dropped", old: name, new: `"customer":{"FirstName":"Al\u0000"}`},
		{name: "NUL in the other event type's property", old: name, new: `"customer":{}, "vehicles":[{"vin":"\u0000"}]`},
		{name: "NUL in a key", old: name, new: `"customer":{"a\u0000":"b"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := withLead(t, tt.old, tt.new)
			_, err := Decode(b)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Decode(%s) = %v; want no error", b, err)
				}
				return
			}
			if err == nil || err.Error() != tt.want || !errors.Is(err, ErrInvalid) {
				t.Errorf("Decode(%s) = %v; want %s", b, err, tt.want)
			}
		})
	}
}
