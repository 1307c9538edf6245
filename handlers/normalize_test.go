package handlers

import "testing"

func TestNormPhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"ten digits", "9891361006", "9891361006", true},
		{"formatted", "(989) 136-1006", "9891361006", true},
		{"dots", "989.136.1006", "9891361006", true},
		{"e164", "+19891361006", "9891361006", true},
		{"leading 1 with dashes", "1-989-136-1006", "9891361006", true},
		{"spaces around", "  989 136 1006 ", "9891361006", true},
		{"eleven digits not starting with 1", "29891361006", "", false},
		{"nine digits", "989136100", "", false},
		{"twelve digits", "119891361006", "", false},
		{"extension", "989-136-1006 x12", "", false},
		{"letters only", "call me", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := normPhone(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("normPhone(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"555-12": "…12", "12345": "…45", "7": "**", "": "**"} {
		if got := maskPhone(in); got != want {
			t.Errorf("maskPhone(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestNormEmail(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"John.Doe@Example.COM", "john.doe@example.com"},
		{"  a@b.c \t", "a@b.c"},
		{"STRASSE@X.DE", "strasse@x.de"},
	}
	for _, tt := range tests {
		if got := normEmail(tt.in); got != tt.want {
			t.Errorf("normEmail(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestSameName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"equal", "Doe", "Doe", true},
		{"case", "doe", "DOE", true},
		{"trimmed", " Doe ", "Doe", true},
		{"NFC vs NFD", "Jos\u00e9", "Jose\u0301", true},
		{"unicode case", "ÉLODIE", "élodie", true},
		{"sharp s folds", "STRASSE", "straße", true},
		{"greek sigma", "ΟΔΥΣΣΕΥΣ", "οδυσσευς", true},
		{"different", "Doe", "Dough", false},
		{"accent matters", "Jose", "José", false},
		{"both empty never match", "", "  ", false},
		{"one empty", "Doe", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameName(tt.a, tt.b); got != tt.want {
				t.Errorf("sameName(%q, %q) = %v; want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestNormNameKeepsCase(t *testing.T) {
	t.Parallel()
	if got, want := normName("  Jose\u0301 "), "Jos\u00e9"; got != want {
		t.Errorf("normName = %q; want %q", got, want)
	}
}

func TestNormVINAndKey(t *testing.T) {
	t.Parallel()
	if got := normVIN(" 1ftfw1e50pfa6c650709 "); got != "1FTFW1E50PFA6C650709" {
		t.Errorf("normVIN = %q", got)
	}
	keys := []struct {
		a, b string
		want bool
	}{
		{"DOM123", "dom123", true},
		{" DOM123 ", "DOM123", true},
		{"DOM123", "DOM124", false},
		{"", "", false},
		{" ", "", false},
	}
	for _, tt := range keys {
		if got := sameKey(tt.a, tt.b); got != tt.want {
			t.Errorf("sameKey(%q, %q) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestTruncateRunes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abcdef", 3, "abc"},
		{"ééééé", 2, "éé"},
		{"", 3, ""},
	}
	for _, tt := range tests {
		if got := truncateRunes(tt.in, tt.n); got != tt.want {
			t.Errorf("truncateRunes(%q, %d) = %q; want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
