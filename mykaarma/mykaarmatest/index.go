package mykaarmatest

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/leadworker/leadworker/mykaarma"
)

// index finds the customers of one department a search may match without
// reading them all, so that the fake keeps up with a department of 100,000
// customers. It only narrows: every candidate is still checked with
// candidate, so searches answer exactly as a scan of every customer would.
// Entries are positions in the department's slice (creation order), added
// as customers are stored and updated; an entry an update made stale is
// dropped by that check.
type index struct {
	uuid   map[string]int   // customer uuid
	key    map[string][]int // lower-cased customerKey
	prefix map[string][]int // lower-cased first MaxSearchTermLength characters of a longer key
	folded []int            // customers whose key is not ASCII: case folding may match it otherwise
	vin    map[string][]int // every suffix of every upper-cased VIN
	grams  map[string][]int // every 3-byte run of the lower-cased emails and of the phones' digits
}

func newIndex() *index {
	return &index{uuid: map[string]int{}, key: map[string][]int{}, prefix: map[string][]int{}, vin: map[string][]int{}, grams: map[string][]int{}}
}

// add indexes c, stored at position i.
func (x *index) add(i int, c *mykaarma.CustomerWithVehicles) {
	x.uuid[c.Customer.UUID] = i
	if k := c.Customer.CustomerKey; k != "" {
		if !ascii(k) {
			x.folded = append(x.folded, i)
		}
		lk := strings.ToLower(k)
		x.key[lk] = append(x.key[lk], i)
		if p, ok := keyPrefix(k); ok {
			lp := strings.ToLower(p)
			x.prefix[lp] = append(x.prefix[lp], i)
		}
	}
	for _, v := range c.Vehicles {
		u := strings.ToUpper(v.VIN)
		for j := range len(u) {
			x.vin[u[j:]] = append(x.vin[u[j:]], i)
		}
	}
	for _, e := range c.Customer.Emails {
		x.addGrams(i, strings.ToLower(e.EmailAddress))
	}
	for _, p := range c.Customer.PhoneNumbers {
		x.addGrams(i, digits(p.PhoneNumber))
	}
}

// addGrams adds i to the sorted list of each 3-byte run of s.
func (x *index) addGrams(i int, s string) {
	for j := 0; j+3 <= len(s); j++ {
		g := x.grams[s[j:j+3]]
		if at, found := slices.BinarySearch(g, i); !found {
			x.grams[s[j:j+3]] = slices.Insert(g, at, i)
		}
	}
}

// candidates returns the positions a search for tokens over fs may match,
// sorted and without repeats; all is true when the index cannot narrow the
// search (a token of fewer than 3 bytes searched in emails or phones, or a
// key token that is not ASCII).
func (x *index) candidates(tokens []searchToken, fs fieldSet) (pos []int, all bool) {
	for _, tok := range tokens {
		if fs.key {
			if !ascii(tok.raw) {
				return nil, true // case folding may match it to keys it does not lower-case to
			}
			pos = append(pos, x.key[strings.ToLower(tok.raw)]...)
			if tok.runes == MaxSearchTermLength {
				pos = append(pos, x.prefix[strings.ToLower(tok.raw)]...)
			}
			pos = append(pos, x.folded...)
		}
		if fs.vin {
			pos = append(pos, x.vin[tok.upper]...)
		}
		if !fs.comm {
			continue
		}
		if len(tok.lower) < 3 {
			return nil, true
		}
		pos = append(pos, x.withGrams(tok.lower)...)
		if tok.digits != "" {
			if len(tok.digits) < 3 {
				return nil, true
			}
			pos = append(pos, x.withGrams(tok.digits)...)
		}
	}
	slices.Sort(pos)
	return slices.Compact(pos), false
}

// withGrams returns the positions indexed under every 3-byte run of s
// (len(s) >= 3), starting from the rarest run.
func (x *index) withGrams(s string) []int {
	lists := make([][]int, 0, len(s)-2)
	for j := 0; j+3 <= len(s); j++ {
		l := x.grams[s[j:j+3]]
		if len(l) == 0 {
			return nil
		}
		lists = append(lists, l)
	}
	slices.SortFunc(lists, func(a, b []int) int { return len(a) - len(b) })
	out := slices.Clone(lists[0])
	for _, l := range lists[1:] {
		out = slices.DeleteFunc(out, func(i int) bool {
			_, found := slices.BinarySearch(l, i)
			return !found
		})
		if len(out) == 0 {
			break
		}
	}
	return out
}

// keyPrefix returns the first MaxSearchTermLength characters of a key
// longer than that (keyHit's second rule).
func keyPrefix(key string) (string, bool) {
	i, n := 0, 0
	for i < len(key) && n < MaxSearchTermLength {
		_, size := utf8.DecodeRuneInString(key[i:])
		i += size
		n++
	}
	return key[:i], n == MaxSearchTermLength && i < len(key)
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
