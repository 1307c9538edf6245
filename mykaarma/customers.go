package mykaarma

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Fields a search can look at (fieldsToBeSearched).
const (
	FieldVIN         = "vehicles.vin"             // a token ends one of the customer's VINs
	FieldCommValue   = "communications.commValue" // a token is contained in a phone or email
	FieldCustomerKey = "customerKey"              // a token is the customer's key
)

// allFields is the fieldsToBeSearched of a combined search, in the documented order.
var allFields = []string{FieldVIN, FieldCommValue, FieldCustomerKey}

// SearchCustomers searches a department's customers (listMinimal, scope customer.search) for term,
// a space-separated list of customer key, VIN suffix, phone or email (at most 30 characters), in
// all three fields. No match is a normal result: an empty list with warning WarningNoCustomerFound.
// At most maxResults (1..100) customers come back and there is no next page: a result of exactly
// maxResults customers may leave some out.
func (c *Client) SearchCustomers(ctx context.Context, departmentUUID, term string, maxResults int) (*SearchResult, error) {
	return c.SearchCustomersIn(ctx, departmentUUID, term, maxResults)
}

// SearchCustomersIn is SearchCustomers narrowed to fields (FieldVIN, FieldCommValue,
// FieldCustomerKey): SearchCustomersIn(ctx, dept, "DOM123", 25, FieldCustomerKey) finds the
// customers whose key is DOM123 and not those whose phone or email contains it. No fields means
// all three.
func (c *Client) SearchCustomersIn(ctx context.Context, departmentUUID, term string, maxResults int, fields ...string) (*SearchResult, error) {
	const op = "search"
	if departmentUUID == "" {
		return nil, invalidArgument(op, "empty department uuid")
	}
	if len(fields) == 0 {
		fields = allFields
	}
	q := url.Values{}
	q.Set("fieldsToBeSearched", strings.Join(fields, ","))
	q.Set("maxResults", strconv.Itoa(maxResults))
	q.Set("searchTerm", term)
	q.Set("queryOperator", "OR")
	return call[SearchResult](ctx, c, op, http.MethodGet, departmentPath(departmentUUID)+"/customer/listMinimal", q, nil)
}

// GetCustomer reads one customer with its vehicles (scope customer.search).
func (c *Client) GetCustomer(ctx context.Context, departmentUUID, customerUUID string) (*ReadResult, error) {
	const op = "read"
	if departmentUUID == "" || customerUUID == "" {
		return nil, invalidArgument(op, "empty department or customer uuid")
	}
	return call[ReadResult](ctx, c, op, http.MethodGet, customerPath(departmentUUID, customerUUID), nil, nil)
}

// CreateCustomer creates a customer with its vehicles (scope customer.update). It is not
// idempotent: after an error that is ErrOutcomeUnknown, search before creating again.
// Phones not in +1XXXXXXXXXX form are dropped by myKaarma with warning WarningPhoneNotE164.
func (c *Client) CreateCustomer(ctx context.Context, departmentUUID string, body *CustomerWithVehicles) (*SaveResult, error) {
	const op = "create"
	if departmentUUID == "" || body == nil {
		return nil, invalidArgument(op, "empty department uuid or body")
	}
	return call[SaveResult](ctx, c, op, http.MethodPost, departmentPath(departmentUUID)+"/customer", nil, body)
}

// UpdateCustomer updates a customer (scope customer.update) with replace semantics: an empty
// PhoneNumbers or Emails list deletes all of them (warnings WarningAllPhonesDeleted,
// WarningAllEmailsDeleted). Read the customer first and send the merged lists.
func (c *Client) UpdateCustomer(ctx context.Context, departmentUUID, customerUUID string, body *CustomerWithVehicles) (*SaveResult, error) {
	const op = "update"
	if departmentUUID == "" || customerUUID == "" || body == nil {
		return nil, invalidArgument(op, "empty department uuid, customer uuid or body")
	}
	return call[SaveResult](ctx, c, op, http.MethodPut, customerPath(departmentUUID, customerUUID), nil, body)
}

func departmentPath(departmentUUID string) string {
	return "/customer/v2/department/" + url.PathEscape(departmentUUID)
}

func customerPath(departmentUUID, customerUUID string) string {
	return departmentPath(departmentUUID) + "/customer/" + url.PathEscape(customerUUID)
}

// invalidArgument is a request that was never sent because its arguments are unusable.
func invalidArgument(op, msg string) *Error {
	return &Error{Op: op, Message: "invalid argument: " + msg, class: ErrRejected}
}

// call sends one request and decodes a successful answer into a new T.
func call[T any](ctx context.Context, c *Client, op, method, path string, query url.Values, body any) (*T, error) {
	req, err := c.newRequest(ctx, method, path, query, body)
	if err != nil {
		return nil, invalidArgument(op, err.Error())
	}
	var res T
	if _, err := c.do(op, req, &res); err != nil {
		return nil, err
	}
	return &res, nil
}
