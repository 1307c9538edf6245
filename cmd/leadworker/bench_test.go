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
		{"-import", "-1"},
		{"-import", "10", "-import-rate", "0"},
		{"-import", "10", "-live-rate", "-1"},
		{"-import", "10", "-failing-department", "403"},
		{"-live-rate", "2", "-failing-department", "503"},
		{"-max-buffered", "-1"},
	} {
		var out, errOut bytes.Buffer
		if code := benchCommand(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("bench %s exit = %d; want 2", strings.Join(args, " "), code)
		}
	}
}

// TestBenchImport runs bench -import with tiny sizes and checks the table:
// the three runs, every live lead answered (none dead-lettered) beside the
// import and alone, their dwell counted once each, the import answered in
// both runs that have it, part of it through the bulk route, nothing
// answered twice.
func TestBenchImport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three embedded brokers")
	}
	var out, errOut bytes.Buffer
	args := []string{"-import", "300", "-import-rate", "300", "-live-rate", "10", "-partitions", "3", "-keys", "60", "-latency", "5ms", "-max-in-flight", "16", "-max-buffered", "200", "-timeout", "90s"}
	if code := benchCommand(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("bench exit = %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	s := out.String()
	live := regexp.MustCompile(`(?m)^live leads answered\s+(\d+) of (\d+)\s+(\d+) of (\d+)\s+-\s`).FindStringSubmatch(s)
	if live == nil {
		t.Fatalf("bench -import output lacks the live leads answered row\n%s", s)
	}
	n := live[2]
	if n == "0" || live[1] != n || live[3] != n || live[4] != n {
		t.Errorf("live leads answered = %s of %s with the import, %s of %s alone; want all, and as many in both runs\n%s", live[1], live[2], live[3], live[4], s)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^leadworker bench -import 300: 300 new-customer RECALL leads at department I produced at 300/s; .* 10/s`),
		regexp.MustCompile(`(?m)^FAIR_DISPATCH=true MAX_IN_FLIGHT=16 MAX_BUFFERED=200 BULK_THRESHOLD=100 `),
		regexp.MustCompile(`(?m)^\s+import \+ live\s+live only\s+import only\s*$`),
		regexp.MustCompile(`(?m)^live dwell p50\s+\d\S*s\s+\d\S*s\s+-\s`),
		regexp.MustCompile(`(?m)^live dwell p99\s+\d\S*s\s+\d\S*s\s+-\s`),
		regexp.MustCompile(`(?m)^live dwell p99 bucket\s+\(\S+,\S+\]\s+\(\S+,\S+\]\s+-\s`),
		regexp.MustCompile(`(?m)^live dwell observations\s+` + n + `\s+` + n + `\s+-\s`),
		regexp.MustCompile(`(?m)^live wait p50\s+\d\S*s\s+\d\S*s\s+-\s`),
		regexp.MustCompile(`(?m)^live wait p95\s+\d\S*s\s+\d\S*s\s+-\s`),
		regexp.MustCompile(`(?m)^live wait max\s+\d\S*s\s+\d\S*s\s+-\s`),
		regexp.MustCompile(`(?m)^import answered\s+300 of 300\s+-\s+300 of 300\s`),
		regexp.MustCompile(`(?m)^import throughput\s+\d+\.\d/s\s+-\s+\d+\.\d/s\s`),
		regexp.MustCompile(`(?m)^import dwell p99\s+\d\S*s\s+-\s+\d\S*s\s`),
		regexp.MustCompile(`(?m)^import via the bulk route\s+[1-9]\d*\s+-\s+[1-9]\d*\s`),
		regexp.MustCompile(`(?m)^bulk route topic lag peak\s+\d+\s+\d+\s+\d+\s`),
		regexp.MustCompile(`(?m)^route stage input lag peak\s+\d+\s+\d+\s+\d+\s+leadworker_consumer_lag`),
		regexp.MustCompile(`(?m)^dead letters\s+0\s+0\s+0\s*$`),
		regexp.MustCompile(`(?m)^events answered twice\s+0\s+0\s+0\s*$`),
	} {
		if !want.MatchString(s) {
			t.Errorf("bench -import output lacks %s\n%s", want, s)
		}
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^live_wait_p95_s=\d+\.\d{3} live_wait_max_s=\d+\.\d{3} live_dwell_p99_s=\d+\.\d{3} import_throughput_ratio=\d+\.\d\d$`).MatchString(last) {
		t.Errorf("last line = %q; want live_wait_p95_s=… live_wait_max_s=… live_dwell_p99_s=… import_throughput_ratio=…", last)
	}
}
