package mykaarma

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// SaveLead saves a lead for a dealer ("How to save a lead", scope lead.write). A 2xx whose message is
// LeadQueued or LeadUnprocessed is a verdict, returned without error even when it carries an
// error object: UNPROCESSED is to be reported, not retried. Any other message is ErrRejected.
// Save lead is not idempotent, and myKaarma offers no way to look a lead up: after an error
// that is ErrOutcomeUnknown the lead may or may not be saved.
func (c *Client) SaveLead(ctx context.Context, dealerUUID string, lead *Lead) (*LeadResult, error) {
	const op = "lead"
	if dealerUUID == "" || lead == nil {
		return nil, invalidArgument(op, "empty dealer uuid or lead")
	}
	req, err := c.newRequest(ctx, http.MethodPost, "/leads/v3/dealers/"+url.PathEscape(dealerUUID)+"/leads", nil, lead)
	if err != nil {
		return nil, invalidArgument(op, err.Error())
	}
	var res LeadResult
	resp, err := c.do(op, req, &res)
	if err != nil {
		return nil, err
	}
	switch res.Message {
	case LeadQueued, LeadUnprocessed:
		return &res, nil
	}
	e := newError(op, resp.status, resp.body, ErrRejected, "unexpected lead verdict "+quoteShort(res.Message))
	e.Lead = res.Error
	return nil, c.redact(e, false)
}

// UnmarshalJSON accepts both spellings seen for the lead error object,
// {errorCode, errorDescription, errorUID} and {code, description}, a bare string (taken as the
// description) and null.
func (e *LeadError) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*e = LeadError{Description: s}
		return nil
	}
	var w struct {
		ErrorCode        Code   `json:"errorCode"`
		Code             Code   `json:"code"`
		ErrorDescription string `json:"errorDescription"`
		Description      string `json:"description"`
		ErrorUID         string `json:"errorUID"`
		UID              string `json:"uid"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = LeadError{
		Code:        firstNonEmpty(w.ErrorCode, w.Code),
		Description: firstNonEmpty(w.ErrorDescription, w.Description),
		UID:         firstNonEmpty(w.ErrorUID, w.UID),
	}
	return nil
}

func firstNonEmpty[T ~string](vs ...T) T {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	b, _ := json.Marshal(s)
	return string(b)
}
