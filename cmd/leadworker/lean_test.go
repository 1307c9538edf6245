package main

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLeanBuild builds the image's binary (-tags lean) and runs the commands
// it leaves out: each says so in one line and exits 2 (produce without files,
// 1), while the worker's own commands are there.
func TestLeanBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "leadworker")
	if out, err := exec.Command("go", "build", "-tags", "lean", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags lean: %v\n%s", err, out)
	}
	tests := []struct {
		name   string
		args   []string
		env    []string
		code   int
		stderr string // a substring; "" = empty
	}{
		{"demo", []string{"demo"}, nil, 2, "leadworker demo: not in this build; run go run ./cmd/leadworker demo from a checkout\n"},
		{"demo -h", []string{"demo", "-h"}, nil, 2, "leadworker demo: not in this build"},
		{"bench", []string{"bench", "-events", "10"}, nil, 2, "leadworker bench: not in this build; run go run ./cmd/leadworker bench from a checkout\n"},
		{"produce without files", []string{"produce"}, []string{"KAFKA_BROKERS=127.0.0.1:9"}, 1, "the sample events are not in this build (the image's): give FILE, or - for standard input"},
		{"run -h", []string{"run", "-h"}, nil, 0, ""},
		{"version", []string{"version"}, nil, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, tt.args...)
			cmd.Env = tt.env
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.code {
				t.Errorf("leadworker %s = exit %d; want %d (stderr %q)", strings.Join(tt.args, " "), code, tt.code, stderr.String())
			}
			if tt.stderr == "" && stderr.Len() > 0 || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("leadworker %s: stderr %q; want %q", strings.Join(tt.args, " "), stderr.String(), tt.stderr)
			}
		})
	}
}
