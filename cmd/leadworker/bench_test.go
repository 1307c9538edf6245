package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestBenchSmoke runs bench with tiny sizes on the embedded broker and the
// fake and checks the table and the verdict line.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs an embedded broker")
	}
	var out, errOut bytes.Buffer
	args := []string{"-events", "200", "-partitions", "3", "-keys", "40", "-latency", "1ms", "-max-in-flight", "32", "-sequential-sample", "20", "-timeout", "90s"}
	if code := benchCommand(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("bench exit = %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	s := out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^events\s+200 \(200 results, 0 dead letters\)`),
		regexp.MustCompile(`(?m)^events/s\s+\d+\.\d`),
		regexp.MustCompile(`(?m)^latency p99\s+\S+`),
		regexp.MustCompile(`(?m)^myKaarma calls per event\s+2\.00`),
		regexp.MustCompile(`(?m)^sequential kafka-go loop\s+\d+\.\d events/s \(20 events`),
		regexp.MustCompile(`(?m)^ceiling on this machine\s+\d+\.\d events/s \(the handler alone, 32 goroutines`),
		regexp.MustCompile(`(?m)^ceiling_to_limit=\d+\.\d\d ratio_to_ceiling=\d+\.\d\d$`),
	} {
		if !want.MatchString(s) {
			t.Errorf("bench output lacks %s\n%s", want, s)
		}
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^ratio_to_limit=\d+\.\d\d speedup_vs_sequential=\d+\.\d$`).MatchString(last) {
		t.Errorf("last line = %q; want ratio_to_limit=X.XX speedup_vs_sequential=Y.Y", last)
	}
}

// TestBenchFailingDepartment runs bench -failing-department 403 with tiny
// sizes and checks the table: A and B answered in both runs, C's events
// parked and none dead-lettered while it failed, all answered once, after
// the fault was lifted, and the worker ready throughout.
func TestBenchFailingDepartment(t *testing.T) {
	if testing.Short() {
		t.Skip("runs an embedded broker")
	}
	var out, errOut bytes.Buffer
	args := []string{"-failing-department", "403", "-events", "90", "-partitions", "3", "-keys", "30", "-latency", "1ms", "-max-in-flight", "32", "-timeout", "90s"}
	if code := benchCommand(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("bench exit = %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	s := out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^leadworker bench -failing-department 403: 90 events in 3 departments \(A and B 60, C 30; `),
		regexp.MustCompile(`(?m)^PARK_AFTER=1s in this bench`),
		regexp.MustCompile(`(?m)^\s+no fault\s+C answers 403\s*$`),
		regexp.MustCompile(`(?m)^A\+B events answered\s+60 of 60\s+60 of 60\s`),
		regexp.MustCompile(`(?m)^A\+B events/s\s+\d+\.\d\s+\d+\.\d\s`),
		regexp.MustCompile(`(?m)^A\+B latency p99\s+\S+\s+\S+`),
		regexp.MustCompile(`(?m)^A\+B dead letters\s+0\s+0\s`),
		regexp.MustCompile(`(?m)^C events answered while failing\s+30 of 30\s+0 of 30\s`),
		regexp.MustCompile(`(?m)^C events parked\s+0\s+30\s+leadworker_parked_total`),
		regexp.MustCompile(`(?m)^C events dead-lettered\s+0\s+0\s`),
		regexp.MustCompile(`(?m)^C all parked\s+-\s+\S+ after the first produce`),
		regexp.MustCompile(`(?m)^C answered once the fault was lifted\s+-\s+30 in \S+\s+after admin resume --department; leadworker_unparked_total 30, 0 dead letters`),
		regexp.MustCompile(`(?m)^/readyz while C failed\s+-\s+0 of \d+ not 200\s+asked every 100ms; at most 1 department\(s\) listed as paused`),
		regexp.MustCompile(`(?m)^events answered twice\s+0\s+0\s*$`),
	} {
		if !want.MatchString(s) {
			t.Errorf("bench -failing-department output lacks %s\n%s", want, s)
		}
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^healthy_events_per_s_ratio=\d+\.\d\d healthy_elapsed_ratio=\d+\.\d\d healthy_p99_ratio=\d+\.\d\d$`).MatchString(last) {
		t.Errorf("last line = %q; want healthy_events_per_s_ratio=X.XX healthy_elapsed_ratio=Y.YY healthy_p99_ratio=Z.ZZ", last)
	}
}

func TestBenchRejectsBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-events", "0"},
		{"-failing-department", "404"},
		{"-failing-department", "-1"},
	} {
		var out, errOut bytes.Buffer
		if code := benchCommand(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("bench %s exit = %d; want 2", strings.Join(args, " "), code)
		}
	}
}
