// Package mykaarmatest is an in-memory fake of the myKaarma API that leadworker uses, served over
// real HTTP the way net/http/httptest serves a handler: NewServer(t, opts) starts it on loopback and
// closes it when the test ends; New(opts) returns the unstarted http.Handler (cmd/mykaarma-fake
// serves it). State is inspected with Customers, Leads and Requests and seeded with AddCustomer;
// failures are injected with AddFault, FailNext, DropNext, DenyScope and SetCredentials.
// Everything is safe for concurrent use.
//
// # Behaviour (follows myKaarma's "How to search and create a customer" and "How to save a lead")
//
//   - Every API call needs HTTP Basic credentials (Options.Username, Options.Password, default
//     "test-user"/"test-pass"); wrong or missing ones get 401 with the framework body
//     {"timestamp","status","error","message","path"}. Scopes: search and read need
//     "customer.search", create and update "customer.update", save lead "lead.write"; a denied
//     scope gets 403 with message "ApiScope does not exist".
//   - Unknown routes and wrong methods get 404 with the framework body (the real API may answer
//     405, or 200 with an HTML login page; use a Fault with an HTML Body for the latter).
//   - Search (listMinimal): searchTerm must be 1..30 characters and maxResults 1..100, else 400.
//     fieldsToBeSearched is a comma-separated subset of customerKey, vehicles.vin and
//     communications.commValue; absent or empty means all three, an unknown name gets 400 (the
//     real API's answer to an unknown name is not documented). queryOperator is not checked: the
//     fake always ORs the tokens. The term is split on spaces; a customer is a candidate when a
//     token, in a searched field, equals its customerKey (case-insensitive; for a key longer
//     than the cap, see below), ends one of its VINs (case-insensitive), is contained in one
//     of its emails (case-insensitive) or, for a token without letters, its digits are
//     contained in the digits of one of its phones. Hits come oldest first (newest first with
//     Options.NewestFirst), at most maxResults, with no way to ask for the next ones: like the
//     live API, a full page hides the rest. No hit: HTTP 200, empty list and warning 10001.
//   - Keys longer than the cap: a customerKey may have up to 100 characters, a searchTerm at
//     most 30, so the "complete CustomerKey" of the decision tree cannot be sent for a longer
//     key. myKaarma describes the search as finding customers whose fields contain the term;
//     the fake assumes the narrowest form of that which still finds such a customer: a token
//     of exactly 30 characters that begins a longer key (case-insensitive) finds it. Any
//     other part of a key finds nothing. Long keys that share their first 30 characters are
//     all returned: only a comparison of the whole key tells them apart.
//   - Read: unknown customer gets 404 with an errors list (code ErrCodeCustomerNotFound).
//   - Create: the customer and each vehicle get a new uuid. Phones that are not +1 and 10 digits
//     are dropped with warning 10015 each. An email or phone without a label
//     (ErrCodeMissingLabel) or a customer with none of firstName, lastName and company
//     (ErrCodeMissingName) gets HTTP 200 with an errors entry, and nothing is stored.
//   - Update: unknown customer gets 404 with an errors list (ErrCodeCustomerNotFound). Label and
//     phone rules as for create. phoneNumbers, emails and addresses are replaced; a null or empty
//     phoneNumbers or emails list deletes them all with warning 10005 or 10006
//     (the warning only when there was something to delete). firstName,
//     lastName, company, customerKey and preferredLocale are replaced when non-empty (an empty
//     value keeps the stored one); isBusiness is always replaced. Vehicles matched by uuid or VIN
//     (case-insensitive) get their non-empty fields updated, others are added with a new uuid,
//     none is deleted. The response is {"errors":[],"warnings":[...],"customerUuid":...}.
//   - Save lead: the required fields of "How to save a lead" are checked (dealerDetails.source MMC or BMW_SPARC;
//     services non-empty, each with code and name, dueDate yyyy-MM-dd when set; status NEW;
//     lastContactDate "yyyy-MM-dd HH:mm:ss" followed by Z or an offset like +0000; leadType
//     RECALL or SERVICE_DEMAND); a violation gets 400 with the framework body. The verdict is
//     UNPROCESSED, with an error object and a warning saying why, when customer.uuid is empty or
//     unknown in every department, or when a RECALL lead has no vehicle VIN; otherwise QUEUED
//     with a new requestId. SetLeadVerdict overrides the verdict. Only QUEUED leads are kept
//     (Leads); every call is in Requests.
//   - The error codes ErrCodeCustomerNotFound, ErrCodeMissingLabel, ErrCodeMissingName and the
//     lead error codes are invented by the fake; the real codes are not documented.
//   - Successful calls answer 200 (the real create may answer 201).
//
// # Faults
//
// A Fault matches requests by operation ("search", "read", "create", "update", "lead"; "" for
// any) and, when Department is set, by the department (customer calls) or dealer (save lead) UUID
// in the path, after authentication and scope checks pass. A Fault with Status 403 and Department
// stands for a scope missing at one department or dealer only (DenyScope denies it everywhere). All matching faults apply: their latencies add
// up, then the first matching fault with Hang, DropAfterApply or Status decides the outcome. A
// fault with Times n applies n times and is then removed; Probability p applies it to each
// matching request with probability p, drawn from a rand seeded by Options.Seed. Requests that got
// no response (hang, drop) are recorded with Status 0.
package mykaarmatest
