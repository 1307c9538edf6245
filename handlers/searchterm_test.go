package handlers

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSearchTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		id   identity
		want []string
	}{
		{"seed example", identity{Key: "DOM123", VINs: []string{"1FTFW1E50PFA6C650709"}, Phones: []string{"9891361006"}},
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
		{"nothing", identity{LastName: "Doe"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := searchTokens(tt.id); !slices.Equal(got, tt.want) {
				t.Errorf("searchTokens(%+v) = %q; want %q", tt.id, got, tt.want)
			}
		})
	}
}

func TestSearchTerms(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k", 35)
	tests := []struct {
		name   string
		tokens []string
		want   []string
	}{
		{"none", nil, nil},
		{"seed example fits", []string{"DOM123", "6C650709", "9891361006"}, []string{"DOM123 6C650709 9891361006"}},
		{"exactly 30", []string{"123456789012345678901234567890"}, []string{"123456789012345678901234567890"}},
		{"split keeps order", []string{"DOM123", "6C650709", "9891361006", "1234567890"},
			[]string{"DOM123 6C650709 9891361006", "1234567890"}},
		{"29 plus one does not fit", []string{"1234567890", "1234567891", "12345678", "a"},
			[]string{"1234567890 1234567891 12345678", "a"}},
		{"greedy", []string{"aaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb", "cccc", "dd"},
			[]string{"aaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb cccc dd"}},
		{"long token truncated", []string{"K1", long}, []string{"K1", long[:30]}},
		{"long email truncated", []string{"a.very.long.name.indeed@example.com"}, []string{"a.very.long.name.indeed@exampl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := searchTerms(tt.tokens)
			if !slices.Equal(got, tt.want) {
				t.Errorf("searchTerms(%q) = %q; want %q", tt.tokens, got, tt.want)
			}
			for _, term := range got {
				if n := utf8.RuneCountInString(term); n > maxTermLen {
					t.Errorf("term %q has %d characters; want <= %d", term, n, maxTermLen)
				}
			}
		})
	}
}
