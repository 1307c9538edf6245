package mykaarmatest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/leadworker/leadworker/mykaarma"
)

// MaxSearchTermLength is the documented cap on searchTerm.
const MaxSearchTermLength = 30

func (s *Server) search(w http.ResponseWriter, r *http.Request, dept string) {
	q := r.URL.Query()
	term := q.Get("searchTerm")
	if n := utf8.RuneCountInString(term); n == 0 || n > MaxSearchTermLength {
		s.writeFramework(w, r, http.StatusBadRequest, fmt.Sprintf("searchTerm must be 1 to %d characters", MaxSearchTermLength))
		return
	}
	max, err := strconv.Atoi(q.Get("maxResults"))
	if err != nil || max < 1 || max > 100 {
		s.writeFramework(w, r, http.StatusBadRequest, "maxResults must be between 1 and 100")
		return
	}
	fields, err := searchFields(q.Get("fieldsToBeSearched"))
	if err != nil {
		s.writeFramework(w, r, http.StatusBadRequest, err.Error())
		return
	}
	tokens := searchTokens(term)

	s.mu.Lock()
	hits := s.searchLocked(dept, tokens, fields, max)
	s.mu.Unlock()

	env := newEnvelope()
	env.Matching = &hits
	if len(hits) == 0 {
		env.Warnings = append(env.Warnings, mykaarma.Warning{
			Code: mykaarma.WarningNoCustomerFound, Title: "NO_CUSTOMER_FOUND", Message: "No customer found",
		})
	}
	writeJSON(w, http.StatusOK, env)
}

// searchLocked returns the first max customers of a department that
// tokens find in fields, in creation order or with Options.NewestFirst the
// reverse: those of the index's candidates that candidate accepts, or of
// every customer when the index cannot narrow the search.
func (s *Server) searchLocked(dept string, tokens []searchToken, fields fieldSet, max int) []mykaarma.MinimalCustomer {
	stored := s.depts[dept]
	var pos []int
	all := true
	if x := s.index[dept]; x != nil {
		pos, all = x.candidates(tokens, fields)
	}
	n := len(pos)
	if all {
		n = len(stored)
	}
	hits := []mykaarma.MinimalCustomer{}
	for i := 0; i < n && len(hits) < max; i++ {
		j := i
		if s.opts.NewestFirst {
			j = n - 1 - i
		}
		if !all {
			j = pos[j]
		}
		if c := stored[j]; candidate(c, tokens, fields) {
			hits = append(hits, minimal(c))
		}
	}
	return hits
}

// searchToken is one token of a search term, prepared once per search rather
// than once per stored customer: the scan below runs under the server's lock.
type searchToken struct {
	raw    string
	runes  int    // length of raw in characters
	upper  string // for VIN suffixes
	lower  string // for email containment
	digits string // for phone containment; "" when the token has letters or no digits
}

func searchTokens(term string) []searchToken {
	fields := strings.Fields(term)
	toks := make([]searchToken, len(fields))
	for i, f := range fields {
		toks[i] = searchToken{raw: f, runes: utf8.RuneCountInString(f), upper: strings.ToUpper(f), lower: strings.ToLower(f)}
		if !strings.ContainsFunc(f, unicode.IsLetter) {
			toks[i].digits = digits(f)
		}
	}
	return toks
}

// fieldSet is which fields a search looks at.
type fieldSet struct{ key, vin, comm bool }

// searchFields parses fieldsToBeSearched: comma-separated field names; empty or absent means all
// three, an unknown name is an error.
func searchFields(v string) (fieldSet, error) {
	if strings.TrimSpace(v) == "" {
		return fieldSet{key: true, vin: true, comm: true}, nil
	}
	var fs fieldSet
	for _, f := range strings.Split(v, ",") {
		switch strings.TrimSpace(f) {
		case mykaarma.FieldCustomerKey:
			fs.key = true
		case mykaarma.FieldVIN:
			fs.vin = true
		case mykaarma.FieldCommValue:
			fs.comm = true
		default:
			return fs, fmt.Errorf("fieldsToBeSearched: unknown field %q", f)
		}
	}
	return fs, nil
}

// candidate applies the assumed search rules of the package doc to the fields searched.
func candidate(c *mykaarma.CustomerWithVehicles, tokens []searchToken, fs fieldSet) bool {
	for _, tok := range tokens {
		if fs.key && keyHit(c.Customer.CustomerKey, tok) {
			return true
		}
		if fs.vin {
			for _, v := range c.Vehicles {
				if v.VIN != "" && strings.HasSuffix(strings.ToUpper(v.VIN), tok.upper) {
					return true
				}
			}
		}
		if !fs.comm {
			continue
		}
		for _, e := range c.Customer.Emails {
			if strings.Contains(strings.ToLower(e.EmailAddress), tok.lower) {
				return true
			}
		}
		if tok.digits != "" {
			for _, p := range c.Customer.PhoneNumbers {
				if containsDigits(p.PhoneNumber, tok.digits) {
					return true
				}
			}
		}
	}
	return false
}

// keyHit reports whether tok finds a customer by its key: the token is the whole key
// (case-insensitive), or, for a key longer than the searchTerm cap, a token of exactly
// MaxSearchTermLength characters is the key's beginning. The second rule is the fake's
// assumption for keys the cap keeps from being searched whole; a shorter part of a key
// finds nothing.
func keyHit(key string, tok searchToken) bool {
	switch {
	case key == "":
		return false
	case strings.EqualFold(tok.raw, key):
		return true
	case tok.runes != MaxSearchTermLength:
		return false
	}
	p, long := keyPrefix(key) // index.go
	return long && strings.EqualFold(tok.raw, p)
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// containsDigits reports whether the digits of s contain d, without
// allocating for phone-sized s.
func containsDigits(s, d string) bool {
	var buf [32]byte
	b := buf[:0]
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return strings.Contains(string(b), d)
}

func minimal(c *mykaarma.CustomerWithVehicles) mykaarma.MinimalCustomer {
	m := mykaarma.MinimalCustomer{
		UUID:      c.Customer.UUID,
		FirstName: c.Customer.FirstName,
		LastName:  c.Customer.LastName,
		Company:   c.Customer.Company,
	}
	if c.Customer.CustomerKey != "" {
		k := c.Customer.CustomerKey
		m.CustomerKey = &k
	}
	for _, p := range c.Customer.PhoneNumbers {
		m.Communications = append(m.Communications, mykaarma.Communication{CommType: mykaarma.CommPhone, CommValue: p.PhoneNumber})
	}
	for _, e := range c.Customer.Emails {
		m.Communications = append(m.Communications, mykaarma.Communication{CommType: mykaarma.CommEmail, CommValue: e.EmailAddress})
	}
	for _, v := range c.Vehicles {
		m.Vehicles = append(m.Vehicles, mykaarma.MinimalVehicle{UUID: v.UUID, VIN: v.VIN, Year: v.VehicleYear, Make: v.VehicleMake, Model: v.VehicleModel})
	}
	return m
}
