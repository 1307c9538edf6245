// Package mykaarma is a client for the parts of the myKaarma REST API that leadworker uses:
// customer search, read, create and update (customers.go) and save lead (leads.go).
//
// Every method takes a context, sends HTTP Basic credentials and returns either a decoded result
// or an error built by one function, checkResponse. Errors are *Error values whose class is reached
// with errors.Is: ErrTransient (worth retrying later), ErrAuth (credentials or scope; retrying will
// not help until an operator acts; within it ErrCredentials for a 401, which concerns every call,
// and ErrScope for a 403, which concerns the call's department) or ErrRejected (myKaarma refused this request). When the
// caller's own context ends, the error wraps context.Canceled or context.DeadlineExceeded and is
// none of those classes: shutting down is not a myKaarma failure. The client's per-call timeout is
// ErrTransient.
//
// Create customer and save lead are POSTs that myKaarma does not make idempotent. When one was
// written whole and no answer came back (a timeout, a dropped or reset connection), the error is
// also ErrOutcomeUnknown: myKaarma may have applied it, and the caller must look (search again)
// before sending it again, or decide not to. An update sends the whole merged customer and may
// be repeated.
//
// The client does not retry, does not log, and never puts the password, the Authorization header
// or URLs in error strings. The password and the Basic token are redacted from every part of an
// Error (Error(), Body, Message, Problems, Lead) as they are and in the forms a server may echo
// them in: JSON-escaped, HTML-escaped, URL-escaped and base64. The body is redacted before it is
// cut to 1 KiB, so a secret straddling the cut is not kept in part. A form shorter than 8 bytes
// (a one-character password) is redacted only where it is a whole text, never inside words.
//
// mykaarma is a library: it does not log, and it imports no other leadworker
// package and nothing of Kafka. Its fake lives beside it in mykaarmatest.
package mykaarma
