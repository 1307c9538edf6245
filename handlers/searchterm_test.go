package handlers

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/leadworker/leadworker/mykaarma"
)

func texts(toks []token) []string {
	var out []string
	for _, t := range toks {
		out = append(out, t.text)
	}
	return out
}

func TestSearchTokens(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k", 35)
	tests := []struct {
		name string
		id   identity
		want []string
	}{
		{"decision tree example", identity{Key: "DOM123", VINs: []string{"1FTFW1E50PFA6C650709"}, Phones: []string{"9891361006"}},
			[]string{"DOM123", "6C650709", "9891361006"}},
		{"email only without phone", identity{Key: "DOM123", VINs: []string{"1FTFW1E50PFA6C650709"}, Emails: []string{"john.doe@gmail.com"}},
			[]string{"DOM123", "6C650709", "john.doe@gmail.com"}},
		{"email dropped when a phone exists", identity{Phones: []string{"9891361006"}, Emails: []string{"a@b.c"}},
			[]string{"9891361006"}},
		{"order key, vins, phones", identity{Key: "K", VINs: []string{"AAAAAAAAA11111111", "BBBBBBBBB22222222"}, Phones: []string{"1111111111", "2222222222"}},
			[]string{"K", "11111111", "22222222", "1111111111", "2222222222"}},
		{"short vin whole", identity{VINs: []string{"ABC123"}}, []string{"ABC123"}},
		{"duplicate vin tails once", identity{VINs: []string{"XXXXXXXXX6C650709", "YYYYYYYYY6C650709"}}, []string{"6C650709"}},
		{"key equal to a vin tail ignoring case", identity{Key: "6c650709", VINs: []string{"XXXXXXXXX6C650709"}}, []string{"6c650709"}},
		{"several emails", identity{Emails: []string{"a@b.c", "d@e.f"}}, []string{"a@b.c", "d@e.f"}},
		{"long key cut", identity{Key: long}, []string{long[:30]}},
		{"long email cut", identity{Emails: []string{"a.very.long.name.indeed@example.com"}}, []string{"a.very.long.name.indeed@exampl"}},
		{"nothing", identity{LastName: "Doe"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := texts(searchTokens(tt.id)); !slices.Equal(got, tt.want) {
				t.Errorf("searchTokens(%+v) = %q; want %q", tt.id, got, tt.want)
			}
		})
	}
}

// Each token knows what it stands for, and so which fields a search on it alone looks at.
func TestSearchTokenFields(t *testing.T) {
	t.Parallel()
	id := identity{Key: "6c650709", VINs: []string{"XXXXXXXXX6C650709", "YYYYYYYYY6C650709"},
		Phones: []string{"9891361006"}}
	got := searchTokens(id)
	want := []token{
		{text: "6c650709", key: true, vins: []string{"XXXXXXXXX6C650709", "YYYYYYYYY6C650709"}},
		{text: "9891361006", phone: "9891361006"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("searchTokens = %+v; want %+v", got, want)
	}
	if f := got[0].fields(); !slices.Equal(f, []string{mykaarma.FieldVIN, mykaarma.FieldCustomerKey}) {
		t.Errorf("key and vin token fields = %q", f)
	}
	if f := got[1].fields(); !slices.Equal(f, []string{mykaarma.FieldCommValue}) {
		t.Errorf("phone token fields = %q", f)
	}
	email := searchTokens(identity{Emails: []string{"a.very.long.name.indeed@example.com"}})[0]
	if email.email != "a.very.long.name.indeed@example.com" || !slices.Equal(email.fields(), []string{mykaarma.FieldCommValue}) {
		t.Errorf("cut email token = %+v; want the full address and commValue", email)
	}
}

func TestSearchTerms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tokens []string
		want   []string
	}{
		{"none", nil, nil},
		{"decision tree example fits", []string{"DOM123", "6C650709", "9891361006"}, []string{"DOM123 6C650709 9891361006"}},
		{"exactly 30", []string{"123456789012345678901234567890"}, []string{"123456789012345678901234567890"}},
		{"split keeps order", []string{"DOM123", "6C650709", "9891361006", "1234567890"},
			[]string{"DOM123 6C650709 9891361006", "1234567890"}},
		{"29 plus one does not fit", []string{"1234567890", "1234567891", "12345678", "a"},
			[]string{"1234567890 1234567891 12345678", "a"}},
		{"greedy", []string{"aaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb", "cccc", "dd"},
			[]string{"aaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb cccc dd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var toks []token
			for _, s := range tt.tokens {
				toks = append(toks, token{text: s})
			}
			terms := searchTerms(toks)
			var got, joined []string
			for _, term := range terms {
				got = append(got, term.text)
				joined = append(joined, strings.Join(texts(term.tokens), " "))
				if n := utf8.RuneCountInString(term.text); n > maxTermLen {
					t.Errorf("term %q has %d characters; want <= %d", term.text, n, maxTermLen)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("searchTerms(%q) = %q; want %q", tt.tokens, got, tt.want)
			}
			if !slices.Equal(joined, got) {
				t.Errorf("searchTerms(%q) tokens %q do not spell the terms %q", tt.tokens, joined, got)
			}
		})
	}
}
