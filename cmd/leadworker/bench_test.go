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

func TestBenchRejectsBadFlags(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := benchCommand(context.Background(), []string{"-events", "0"}, &out, &errOut); code != 2 {
		t.Errorf("bench -events 0 exit = %d; want 2", code)
	}
}
