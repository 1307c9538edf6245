package worker

import "github.com/leadworker/leadworker/schemas"

// personalValues lists the personal data of ev's customer that the logs must
// never show: names, company, phones, emails and street lines. They are masked
// as exact values wherever they appear (logmask.Personal).
func personalValues(ev *schemas.Event) []string {
	c := ev.Customer
	if ev.Lead != nil {
		c = &ev.Lead.Customer
	}
	if c == nil {
		return nil
	}
	vs := []string{c.FirstName, c.LastName, c.Company}
	for _, p := range c.PhoneNumbers {
		vs = append(vs, p.PhoneNumber)
	}
	for _, e := range c.Emails {
		vs = append(vs, e.EmailAddress)
	}
	for _, a := range c.Addresses {
		vs = append(vs, a.Line1, a.Line2)
	}
	return vs
}
