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

// TestDemoTrace runs demo -trace and checks the span tree of the traced
// event: the producer's trace continued through both stages, the retry.
func TestDemoTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("runs an embedded broker")
	}
	var out, errOut bytes.Buffer
	if code := demoCommand(context.Background(), []string{"-trace", "-timeout", "90s"}, &out, &errOut); code != 0 {
		t.Fatalf("demo -trace exit = %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	s := out.String()
	tree := s[strings.Index(s, "TRACE "):]
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`TRACE 4bf92f3577b34da6a3ce929d0e0e4736: 06-transient-failure\.json`),
		regexp.MustCompile(`(?m)^└─ route crm\.events \[consumer\]`),
		regexp.MustCompile(`(?m)^   └─ create leadworker\.route \[producer\]`),
		regexp.MustCompile(`(?m)^      └─ process crm\.events \[consumer\]`),
		regexp.MustCompile(`event "retry" leadworker\.step=search leadworker\.attempt=1 http\.response\.status_code=503`),
		regexp.MustCompile(`search customer \[internal\] \S+ span \w+ ERROR transient 503`),
		regexp.MustCompile(`myKaarma create \[client\]`),
		regexp.MustCompile(`url\.full=http://127\.0\.0\.1:\d+/customer/v2/department/[-0-9a-f]+/customer/listMinimal http`),
	} {
		if !want.MatchString(tree) {
			t.Errorf("demo -trace output lacks %s\n%s", want, tree)
		}
	}
	if strings.Contains(tree, "?") {
		t.Errorf("the span tree holds a query string:\n%s", tree)
	}
}
