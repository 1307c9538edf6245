package mykaarmatest

import (
	"slices"

	"github.com/google/uuid"

	"github.com/leadworker/leadworker/mykaarma"
)

// AddCustomer stores c in a department as seed data, without the API's validation, and returns
// its uuid (c's own, or a new one). Vehicles without a uuid get one. An empty customerKey stays
// empty (null in search results).
func (s *Server) AddCustomer(departmentUUID string, c mykaarma.CustomerWithVehicles) string {
	c = cloneCWV(c)
	if c.Customer.UUID == "" {
		c.Customer.UUID = uuid.NewString()
	}
	for i := range c.Vehicles {
		if c.Vehicles[i].UUID == "" {
			c.Vehicles[i].UUID = uuid.NewString()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storeLocked(departmentUUID, &c)
	return c.Customer.UUID
}

// Customers returns copies of a department's customers in creation order.
func (s *Server) Customers(departmentUUID string) []mykaarma.CustomerWithVehicles {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]mykaarma.CustomerWithVehicles, 0, len(s.depts[departmentUUID]))
	for _, c := range s.depts[departmentUUID] {
		out = append(out, cloneCWV(*c))
	}
	return out
}

// Customer returns a copy of one customer of a department.
func (s *Server) Customer(departmentUUID, customerUUID string) (mykaarma.CustomerWithVehicles, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.findLocked(departmentUUID, customerUUID)
	if c == nil {
		return mykaarma.CustomerWithVehicles{}, false
	}
	return cloneCWV(*c), true
}

// AllCustomers returns copies of every department's customers, keyed by department uuid.
func (s *Server) AllCustomers() map[string][]mykaarma.CustomerWithVehicles {
	s.mu.Lock()
	depts := make([]string, 0, len(s.depts))
	for d := range s.depts {
		depts = append(depts, d)
	}
	s.mu.Unlock()
	out := make(map[string][]mykaarma.CustomerWithVehicles, len(depts))
	for _, d := range depts {
		out[d] = s.Customers(d)
	}
	return out
}

// CustomerCount returns how many customers all departments hold.
func (s *Server) CustomerCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, cs := range s.depts {
		n += len(cs)
	}
	return n
}

// Leads returns copies of the QUEUED leads saved for a dealer, oldest first.
func (s *Server) Leads(dealerUUID string) []mykaarma.Lead {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]mykaarma.Lead, 0, len(s.leads[dealerUUID]))
	for _, l := range s.leads[dealerUUID] {
		out = append(out, cloneLead(l))
	}
	return out
}

// AllLeads returns copies of every dealer's QUEUED leads, keyed by dealer uuid.
func (s *Server) AllLeads() map[string][]mykaarma.Lead {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]mykaarma.Lead, len(s.leads))
	for d, ls := range s.leads {
		for _, l := range ls {
			out[d] = append(out[d], cloneLead(l))
		}
	}
	return out
}

// storeLocked appends c to a department's customers and indexes it.
func (s *Server) storeLocked(departmentUUID string, c *mykaarma.CustomerWithVehicles) {
	s.depts[departmentUUID] = append(s.depts[departmentUUID], c)
	x := s.index[departmentUUID]
	if x == nil {
		x = newIndex()
		s.index[departmentUUID] = x
	}
	x.add(len(s.depts[departmentUUID])-1, c)
}

// reindexLocked indexes a stored customer again after an update.
func (s *Server) reindexLocked(departmentUUID string, c *mykaarma.CustomerWithVehicles) {
	if x := s.index[departmentUUID]; x != nil {
		x.add(x.uuid[c.Customer.UUID], c)
	}
}

func (s *Server) findLocked(departmentUUID, customerUUID string) *mykaarma.CustomerWithVehicles {
	if x := s.index[departmentUUID]; x != nil {
		if i, ok := x.uuid[customerUUID]; ok {
			return s.depts[departmentUUID][i]
		}
	}
	return nil
}

// knownAnywhereLocked reports whether any department holds the customer.
func (s *Server) knownAnywhereLocked(customerUUID string) bool {
	for _, x := range s.index {
		if _, ok := x.uuid[customerUUID]; ok {
			return true
		}
	}
	return false
}

func cloneCWV(c mykaarma.CustomerWithVehicles) mykaarma.CustomerWithVehicles {
	c.Customer = cloneCustomer(c.Customer)
	c.Vehicles = slices.Clone(c.Vehicles)
	return c
}

func cloneCustomer(c mykaarma.Customer) mykaarma.Customer {
	c.Addresses = slices.Clone(c.Addresses)
	for i := range c.Addresses {
		c.Addresses[i].IsValid = clonePtr(c.Addresses[i].IsValid)
		c.Addresses[i].IsPreferred = clonePtr(c.Addresses[i].IsPreferred)
	}
	c.Emails = slices.Clone(c.Emails)
	for i := range c.Emails {
		c.Emails[i].OkToEmail = clonePtr(c.Emails[i].OkToEmail)
		c.Emails[i].IsPreferred = clonePtr(c.Emails[i].IsPreferred)
	}
	c.PhoneNumbers = slices.Clone(c.PhoneNumbers)
	for i := range c.PhoneNumbers {
		c.PhoneNumbers[i].OkToCall = clonePtr(c.PhoneNumbers[i].OkToCall)
		c.PhoneNumbers[i].OkToText = clonePtr(c.PhoneNumbers[i].OkToText)
		c.PhoneNumbers[i].IsPreferred = clonePtr(c.PhoneNumbers[i].IsPreferred)
	}
	return c
}

func cloneLead(l mykaarma.Lead) mykaarma.Lead {
	l.Customer = cloneCustomer(l.Customer)
	if l.Vehicle != nil {
		v := *l.Vehicle
		l.Vehicle = &v
	}
	l.Services = slices.Clone(l.Services)
	return l
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
