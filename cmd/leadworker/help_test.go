package main

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestHelpNeedsNoEnvironment: every command's -h (and help <command>) works
// with an empty environment, exits 0, prints its usage to stdout and lists
// every variable the command reads.
func TestHelpNeedsNoEnvironment(t *testing.T) {
	empty := lookupFrom(nil)
	tests := []struct {
		args []string
		vars []string // must all be listed
	}{
		{[]string{"run", "-h"}, runVariables()},
		{[]string{"help", "run"}, runVariables()},
		{[]string{"demo", "-h"}, nil},
		{[]string{"bench", "--help"}, nil},
		{[]string{"produce", "-h"}, kafkaVariables()},
		{[]string{"tail", "-h"}, kafkaVariables()},
		{[]string{"dlq", "replay", "-h"}, dlqVariables()},
		{[]string{"dlq", "-h"}, dlqVariables()},
		{[]string{"topics", "create", "-h"}, kafkaVariables()},
		{[]string{"topics", "-h"}, kafkaVariables()},
		{[]string{"admin", "resume", "-h"}, []string{"ADMIN_ADDR", "ADMIN_TOKEN", "ADMIN_TOKEN_FILE"}},
		{[]string{"probe", "-h"}, []string{"HTTP_ADDR"}},
		{[]string{"version", "-h"}, nil},
		{[]string{"-h"}, nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := realMain(tt.args, &out, &errOut, empty); code != 0 {
				t.Fatalf("leadworker %v = %d; want 0\nstdout:\n%s\nstderr:\n%s", tt.args, code, out.String(), errOut.String())
			}
			if !strings.HasPrefix(out.String(), "usage: leadworker") {
				t.Errorf("stdout does not start with the usage:\n%s", out.String())
			}
			if errOut.Len() > 0 {
				t.Errorf("stderr = %q; want nothing", errOut.String())
			}
			listed := regexp.MustCompile(`\b[A-Z][A-Z0-9_]{2,}\b`).FindAllString(out.String(), -1)
			for _, v := range tt.vars {
				if !slices.Contains(listed, v) {
					t.Errorf("help does not list %s\n%s", v, out.String())
				}
			}
		})
	}
}

// TestHelpListsTheVariablesTheCommandsRead: the lists come from the code
// that reads the environment, and hold what the README documents.
func TestHelpListsTheVariablesTheCommandsRead(t *testing.T) {
	run := runVariables()
	for _, v := range []string{"KAFKA_BROKERS", "MYKAARMA_PASSWORD", "MYKAARMA_PASSWORD_FILE", "KAFKA_SASL_PASSWORD_FILE",
		"MAX_BUFFERED_BYTES", "HTTP_ADDR", "ADMIN_TOKEN_FILE", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_PROPAGATORS",
		"MEMORY_LIMIT_BYTES", "GOMEMLIMIT"} {
		if !slices.Contains(run, v) {
			t.Errorf("run's variables %v lack %s", run, v)
		}
	}
	kafka := kafkaVariables()
	for _, v := range []string{"KAFKA_BROKERS", "KAFKA_INPUT_TOPICS", "KAFKA_RESULT_TOPIC", "KAFKA_DLQ_TOPIC", "KAFKA_TLS", "KAFKA_SASL_MECHANISM"} {
		if !slices.Contains(kafka, v) {
			t.Errorf("the Kafka commands' variables %v lack %s", kafka, v)
		}
	}
	if slices.Contains(kafka, "MYKAARMA_USERNAME") {
		t.Errorf("the Kafka commands' variables %v hold MYKAARMA_USERNAME, which they do not need", kafka)
	}
}

// TestHelpShowsOneDefault: a flag whose default comes from the environment
// says so once, not also Go's "(default ...)".
func TestHelpShowsOneDefault(t *testing.T) {
	for _, args := range [][]string{{"dlq", "replay", "-h"}, {"tail", "-h"}, {"produce", "-h"}} {
		var out, errOut bytes.Buffer
		realMain(args, &out, &errOut, lookupFrom(nil))
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.Count(line, "(default") > 1 {
				t.Errorf("%v: %q shows two defaults", args, line)
			}
		}
	}
}

// TestTopicsHelpListsItsFlags: topics create -h, which works without the
// environment, lists the flags the command really parses (its usage on a
// bad flag, which needs the environment).
func TestTopicsHelpListsItsFlags(t *testing.T) {
	var help, errHelp bytes.Buffer
	if code := realMain([]string{"topics", "create", "-h"}, &help, &errHelp, lookupFrom(nil)); code != 0 {
		t.Fatalf("topics create -h = %d", code)
	}
	var out, real bytes.Buffer
	env := map[string]string{"KAFKA_BROKERS": "127.0.0.1:1"}
	if code := realMain([]string{"topics", "create", "--no-such-flag"}, &out, &real, lookupFrom(env)); code != 2 {
		t.Fatalf("topics create --no-such-flag = %d; want 2", code)
	}
	flags := regexp.MustCompile(`(?m)^  -([a-z-]+)`)
	got, want := flags.FindAllString(help.String(), -1), flags.FindAllString(real.String(), -1)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("topics create -h lists flags %v; the command parses %v", got, want)
	}
}

// TestBadFlagsExit2: a bad flag is a usage error on stderr, status 2.
func TestBadFlagsExit2(t *testing.T) {
	for _, args := range [][]string{{"demo", "-bogus"}, {"tail", "-n", "x"}, {"produce", "--header", "novalue"}, {"run", "extra"}, {"version", "extra"}} {
		var out, errOut bytes.Buffer
		if code := realMain(args, &out, &errOut, lookupFrom(nil)); code != 2 || errOut.Len() == 0 {
			t.Errorf("leadworker %v = %d, stderr %q; want 2 and a message", args, code, errOut.String())
		}
	}
}
