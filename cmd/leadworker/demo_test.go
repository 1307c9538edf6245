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
		// The header names all four topics.
		regexp.MustCompile(`(?m)^    input +crm\.events$`),
		regexp.MustCompile(`(?m)^    route +leadworker\.route `),
		regexp.MustCompile(`(?m)^    results +leadworker\.results$`),
		regexp.MustCompile(`(?m)^    dead letters +leadworker\.dlq$`),
		// 01 and 09 are one new customer under two Kafka keys: 01 creates it,
		// 09, sent once 01 is on the route topic, finds it.
		regexp.MustCompile(`01-new-customer-lead\.json\s+lead\s+QUEUED\s+created\s+none\s+1\s`),
		regexp.MustCompile(`09-same-customer-other-key\.json\s+lead\s+QUEUED\s+updated\s+lastName\+contact\s+1\s`),
		regexp.MustCompile(`myKaarma holds 1 customer named Nguyen`),
		// A placeholder phone shared with a seeded Smithson is not used to match.
		regexp.MustCompile(`10-placeholder-phone\.json\s+lead\s+QUEUED\s+created\s+none\s+1\s+\S+\s+\S*ignored-contact`),
		regexp.MustCompile(`02-match-customer-key\.json\s+customer\s+SAVED\s+updated\s+customerKey\s+1`),
		regexp.MustCompile(`03-match-lastname-contact\.json\s+lead\s+QUEUED\s+updated\s+lastName\+contact\s+1`),
		regexp.MustCompile(`04-match-lastname-vin\.json\s+lead\s+QUEUED\s+updated\s+lastName\+vin\s+1`),
		// myKaarma's customer and lead steps both warn VEHICLE_VIN_REQUIRED: shown once.
		regexp.MustCompile(`05-unprocessed-lead\.json\s+lead\s+UNPROCESSED\s+created\s+none\s+1\s+\S+\s+VEHICLE_VIN_REQUIRED\n`),
		regexp.MustCompile(`06-transient-failure\.json\s+customer\s+SAVED\s+created\s+none\s+2`),
		regexp.MustCompile(`07-invalid-missing-lead-type\.json\s+lead\s+DEAD_LETTER\s.*invalid: /lead/leadType: missing property`),
		regexp.MustCompile(`08-not-json\.txt\s+-\s+DEAD_LETTER\s.*invalid: not JSON`),
		regexp.MustCompile(`8 results on leadworker\.results, 2 dead letters on leadworker\.dlq`),
		regexp.MustCompile(`error\.message\s+/lead/leadType: missing property`),
		regexp.MustCompile(`error\.message\s+not JSON`),
		// One department forbidden: paused alone, its events parked (not
		// dead-lettered) while the samples went on, answered once granted.
		regexp.MustCompile(`(?m)^    parked +leadworker\.parked `),
		regexp.MustCompile(`(?m)^  forbidden +department 5e8a1c3b-2d4f-4a6e-9b7c-0d1e2f3a4b5c: myKaarma answers 403`),
		regexp.MustCompile(`(?m)^produced 3 events of the forbidden department to crm\.events$`),
		regexp.MustCompile(`(?m)^the forbidden department's 3 events are parked on leadworker\.parked; granting its scope$`),
		regexp.MustCompile(`ONE DEPARTMENT FORBIDDEN: department 5e8a1c3b-2d4f-4a6e-9b7c-0d1e2f3a4b5c had no API scope`),
		regexp.MustCompile(`the worker paused that department alone`),
		regexp.MustCompile(`The other department's 10 samples went on \(all answered above\); /readyz answered 200 \(ready\), listing 1 paused department`),
		regexp.MustCompile(`Its 3 events waited PARK_AFTER \(300ms here, 30s by default\), then were parked on leadworker\.parked,`),
		regexp.MustCompile(`not dead-lettered \(0 dead letters; leadworker_parked_total 3\)`),
		regexp.MustCompile(`its 3 parked events were handed back and answered, \S+ after the grant:`),
	} {
		if !want.MatchString(s) {
			t.Errorf("demo output lacks %s\n%s", want, s)
		}
	}
	// The rows are in sample order, 01 to 10.
	var order []string
	for _, m := range regexp.MustCompile(`(?m)^(\d\d)-\S+\s+(lead|customer|-)\s`).FindAllStringSubmatch(s, -1) {
		order = append(order, m[1])
	}
	if got := strings.Join(order, " "); got != "01 02 03 04 05 06 07 08 09 10" {
		t.Errorf("table rows in order %s; want 01 to 10\n%s", got, s)
	}
	// The forbidden department's events, each answered once, after the
	// account of their parking.
	account := s[strings.Index(s, "ONE DEPARTMENT FORBIDDEN"):]
	var answered []string
	for _, m := range regexp.MustCompile(`(?m)^(demo-forbidden-\d)\s+customer\s+SAVED\s+created\s+none\s+1\s`).FindAllStringSubmatch(account, -1) {
		answered = append(answered, m[1])
	}
	if got := strings.Join(answered, " "); got != "demo-forbidden-1 demo-forbidden-2 demo-forbidden-3" {
		t.Errorf("forbidden department's rows = %q; want demo-forbidden-1 to 3, each SAVED once\n%s", got, account)
	}
	if strings.Contains(s[:strings.Index(s, "ONE DEPARTMENT FORBIDDEN")], "demo-forbidden-") {
		t.Errorf("the samples' tables list a forbidden department's event:\n%s", s)
	}
}

// TestDemoVerboseWarnsOnlyOfWhatTheUserCanChange: demo -v prints the
// worker's log; its own topics are made as topics create makes them, so no
// line warns about their headroom, and no warning repeats.
func TestDemoVerboseWarnsOnlyOfWhatTheUserCanChange(t *testing.T) {
	if testing.Short() {
		t.Skip("runs an embedded broker")
	}
	var out, errOut bytes.Buffer
	if code := demoCommand(context.Background(), []string{"-v", "-timeout", "90s"}, &out, &errOut); code != 0 {
		t.Fatalf("demo -v exit = %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	log := errOut.String()
	if !strings.Contains(log, "level=info") {
		t.Fatalf("demo -v printed no log lines:\n%s", log)
	}
	if strings.Contains(log, "leaves less than 64 KiB") {
		t.Errorf("demo -v warns about its own dead-letter topic's headroom:\n%s", log)
	}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)level=warning msg="([^"]+)"`).FindAllStringSubmatch(log, -1) {
		if seen[m[1]] {
			t.Errorf("warning %q printed twice", m[1])
		}
		seen[m[1]] = true
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
