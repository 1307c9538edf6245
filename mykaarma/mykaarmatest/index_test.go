package mykaarmatest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/leadworker/leadworker/mykaarma"
)

// scanLocked is the search without the index: every customer of the
// department, in order. The indexed search must answer exactly as it does.
func (s *Server) scanLocked(dept string, tokens []searchToken, fields fieldSet, max int) []mykaarma.MinimalCustomer {
	stored := s.depts[dept]
	hits := []mykaarma.MinimalCustomer{}
	for i := range stored {
		if len(hits) == max {
			break
		}
		c := stored[i]
		if s.opts.NewestFirst {
			c = stored[len(stored)-1-i]
		}
		if candidate(c, tokens, fields) {
			hits = append(hits, minimal(c))
		}
	}
	return hits
}

// TestIndexedSearchAnswersAsAScan: random customers (keys short, long and
// not ASCII, VINs, emails, phones), some updated after they were stored;
// thousands of searches for parts of their values and for noise, over every
// field set, both orders: the indexed search finds exactly what a scan of
// every customer finds, in the same order.
func TestIndexedSearchAnswersAsAScan(t *testing.T) {
	t.Parallel()
	for _, newest := range []bool{false, true} {
		t.Run(fmt.Sprint("NewestFirst=", newest), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(7, uint64(len(fmt.Sprint(newest)))))
			s := New(Options{NewestFirst: newest})
			const dept = "d"
			pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
			word := func(n int) string {
				const letters = "abcdefghKkſé0123456789"
				r := []rune(letters)
				var b strings.Builder
				for range n {
					b.WriteRune(r[rng.IntN(len(r))])
				}
				return b.String()
			}
			var values []string // what searches look for parts of
			for i := range 400 {
				c := mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{FirstName: "F", LastName: "L"}}
				switch rng.IntN(4) {
				case 0: // no key
				case 1:
					c.Customer.CustomerKey = fmt.Sprint("DMS-", i%50)
				case 2:
					c.Customer.CustomerKey = word(MaxSearchTermLength + rng.IntN(5))
				default:
					c.Customer.CustomerKey = word(1 + rng.IntN(8))
				}
				if rng.IntN(2) == 0 {
					c.Vehicles = []mykaarma.Vehicle{{VIN: fmt.Sprintf("1HGCM82633A%06d", rng.IntN(3000))}}
				}
				if rng.IntN(2) == 0 {
					c.Customer.Emails = []mykaarma.Email{{EmailAddress: fmt.Sprintf("%s%d@%s", pick("ann", "Bob", "cé"), rng.IntN(40), pick("x.com", "y.org"))}}
				}
				if rng.IntN(2) == 0 {
					c.Customer.PhoneNumbers = []mykaarma.Phone{{PhoneNumber: fmt.Sprintf("+1 (555) %03d-%04d", rng.IntN(30), rng.IntN(10000))}}
				}
				s.AddCustomer(dept, c)
				values = append(values, c.Customer.CustomerKey)
				for _, v := range c.Vehicles {
					values = append(values, v.VIN)
				}
				for _, e := range c.Customer.Emails {
					values = append(values, e.EmailAddress)
				}
				for _, p := range c.Customer.PhoneNumbers {
					values = append(values, p.PhoneNumber)
				}
			}
			s.mu.Lock()
			for _, c := range s.depts[dept] { // updates, as the API's update makes them
				if rng.IntN(5) == 0 {
					c.Customer.Emails = []mykaarma.Email{{EmailAddress: fmt.Sprintf("new%d@z.net", rng.IntN(20))}}
					c.Customer.CustomerKey = word(4)
					values = append(values, c.Customer.Emails[0].EmailAddress, c.Customer.CustomerKey)
					s.reindexLocked(dept, c)
				}
			}
			s.mu.Unlock()
			part := func(v string) string {
				r := []rune(v)
				if len(r) == 0 {
					return word(3)
				}
				i := rng.IntN(len(r))
				j := i + 1 + rng.IntN(len(r)-i)
				return string(r[i:j])
			}
			fieldSets := []fieldSet{{key: true, vin: true, comm: true}, {key: true}, {vin: true}, {comm: true}, {key: true, comm: true}}
			for n := range 5000 {
				var term string
				switch rng.IntN(5) {
				case 0:
					term = pick(values...)
				case 4:
					term = strings.ToLower(part(pick(values...)))
				case 1:
					term = strings.ToUpper(part(pick(values...)))
				case 2:
					term = part(pick(values...)) + " " + part(pick(values...))
				default:
					term = word(1 + rng.IntN(12))
				}
				tokens, fs, max := searchTokens(term), fieldSets[rng.IntN(len(fieldSets))], 1+rng.IntN(30)
				s.mu.Lock()
				got, want := s.searchLocked(dept, tokens, fs, max), s.scanLocked(dept, tokens, fs, max)
				s.mu.Unlock()
				if !slices.EqualFunc(got, want, func(a, b mykaarma.MinimalCustomer) bool { return a.UUID == b.UUID }) {
					t.Fatalf("search %d %q over %+v, max %d: indexed %d hits, scan %d", n, term, fs, max, len(got), len(want))
				}
			}
		})
	}
}

// BenchmarkSearch100k: a search for a new customer (nothing matches: the
// scan reads every customer) in a department of 100,000.
func BenchmarkSearch100k(b *testing.B) {
	s := New(Options{})
	for i := range 100_000 {
		s.AddCustomer("d", mykaarma.CustomerWithVehicles{
			Customer: mykaarma.Customer{CustomerKey: fmt.Sprint("CK-", i), LastName: "L",
				Emails:       []mykaarma.Email{{EmailAddress: fmt.Sprint("c", i, "@example.com")}},
				PhoneNumbers: []mykaarma.Phone{{PhoneNumber: fmt.Sprintf("+1555%07d", i)}}},
			Vehicles: []mykaarma.Vehicle{{VIN: fmt.Sprintf("1HGCM82633A%06d", i)}},
		})
	}
	tokens, fs := searchTokens("new-customer@example.org"), fieldSet{key: true, vin: true, comm: true}
	for _, bb := range []struct {
		name   string
		search func(string, []searchToken, fieldSet, int) []mykaarma.MinimalCustomer
	}{{"indexed", s.searchLocked}, {"scan", s.scanLocked}} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				bb.search("d", tokens, fs, 25)
			}
		})
	}
}
