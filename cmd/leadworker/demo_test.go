package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestDemo runs the README's first command in-process: the whole pipeline on
// the embedded broker and the fake myKaarma.
func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := demoCommand(context.Background(), []string{"-timeout", "90s"}, &out, &errOut); code != 0 {
		t.Fatalf("demo exit = %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	s := out.String()
	for _, want := range []*regexp.Regexp{
		// 01 and 09 are one new customer under two Kafka keys: one creates it,
		// the other finds it.
		regexp.MustCompile(`(01-new-customer-lead|09-same-customer-other-key)\.json\s+lead\s+QUEUED\s+created\s+none\s+1`),
		regexp.MustCompile(`(01-new-customer-lead|09-same-customer-other-key)\.json\s+lead\s+QUEUED\s+updated\s+lastName\+contact\s+1`),
		regexp.MustCompile(`myKaarma holds 1 customer named Nguyen`),
		// A placeholder phone shared with a seeded Smithson is not used to match.
		regexp.MustCompile(`10-placeholder-phone\.json\s+lead\s+QUEUED\s+created\s+none\s+1\s+\S+\s+\S*ignored-contact`),
		regexp.MustCompile(`02-match-customer-key\.json\s+customer\s+SAVED\s+updated\s+customerKey\s+1`),
		regexp.MustCompile(`03-match-lastname-contact\.json\s+lead\s+QUEUED\s+updated\s+lastName\+contact\s+1`),
		regexp.MustCompile(`04-match-lastname-vin\.json\s+lead\s+QUEUED\s+updated\s+lastName\+vin\s+1`),
		regexp.MustCompile(`05-unprocessed-lead\.json\s+lead\s+UNPROCESSED\s+created\s+none\s+1`),
		regexp.MustCompile(`06-transient-failure\.json\s+customer\s+SAVED\s+created\s+none\s+2`),
		regexp.MustCompile(`DEAD LETTERS \(2 records`),
		regexp.MustCompile(`error\.message\s+/lead/leadType: missing property`),
		regexp.MustCompile(`error\.message\s+not JSON`),
	} {
		if !want.MatchString(s) {
			t.Errorf("demo output lacks %s\n%s", want, s)
		}
	}
	if strings.Count(s, "RESULTS (8 records") != 1 {
		t.Errorf("want exactly 8 results:\n%s", s)
	}
}
