package mykaarma_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// Example searches a department, creates the customer when nobody matches, and saves a lead.
func Example() {
	fake := mykaarmatest.New(mykaarmatest.Options{})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	defer fake.Close() // release hanging requests before the server waits for them

	c, err := mykaarma.New(srv.URL, mykaarma.Options{Username: "test-user", Password: "test-pass"})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	found, err := c.SearchCustomers(ctx, "dept-1", "DOM123 6C650709 9891361006", 10)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("matches:", len(found.Customers), "warning:", found.Warnings[0].Code)

	saved, err := c.CreateCustomer(ctx, "dept-1", &mykaarma.CustomerWithVehicles{
		Customer: mykaarma.Customer{CustomerKey: "DOM123", FirstName: "John", LastName: "Doe",
			PhoneNumbers: []mykaarma.Phone{{PhoneNumber: "+19891361006", Label: "CELL"}}},
		Vehicles: []mykaarma.Vehicle{{VIN: "1FTFW1E50PFA6C650709"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := c.SaveLead(ctx, "dealer-1", &mykaarma.Lead{
		Customer:        mykaarma.Customer{UUID: saved.CustomerUUID},
		Vehicle:         &mykaarma.Vehicle{VIN: "1FTFW1E50PFA6C650709"},
		DealerDetails:   mykaarma.DealerDetails{Source: "MMC"},
		Services:        []mykaarma.Service{{Code: "R1", Name: "Recall 1"}},
		Status:          "NEW",
		LastContactDate: "2024-06-08 11:00:00Z",
		LeadType:        "RECALL",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("lead:", res.Message)
	// Output:
	// matches: 0 warning: 10001
	// lead: QUEUED
}
