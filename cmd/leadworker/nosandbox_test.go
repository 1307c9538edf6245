package main

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestImageBuildCommands compiles the image's binary (go build -tags
// nosandbox, which go list -deps in TestImageBuildLinksNoSandbox does not)
// and runs it: what it leaves out says so and exits 2 (produce without files,
// 1), and the worker's own commands are there.
func TestImageBuildCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "leadworker")
	if out, err := exec.Command("go", "build", "-tags", "nosandbox", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags nosandbox: %v\n%s", err, out)
	}
	tests := []struct {
		name   string
		args   []string
		env    []string
		code   int
		stderr string // a line it holds; "" = stderr is empty
	}{
		{"demo", []string{"demo"}, nil, 2, "leadworker demo is not in this build (built with -tags nosandbox, as the image is); from a checkout: go run ./cmd/leadworker demo"},
		{"bench", []string{"bench", "-events", "10"}, nil, 2, "leadworker bench is not in this build (built with -tags nosandbox, as the image is); from a checkout: go run ./cmd/leadworker bench"},
		{"produce without files", []string{"produce"}, []string{"KAFKA_BROKERS=127.0.0.1:9"}, 1, "leadworker produce: this build holds no sample events (built with -tags nosandbox): name files, or - for stdin"},
		{"run -h", []string{"run", "-h"}, nil, 0, ""},
		{"version", []string{"version"}, nil, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, tt.args...)
			cmd.Env = tt.env // nothing of this machine's environment
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			code := 0
			var exit *exec.ExitError
			if err := cmd.Run(); errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			line := strings.Join(tt.args, " ")
			if code != tt.code {
				t.Errorf("leadworker %s: exit %d; want %d (stderr %q)", line, code, tt.code, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if tt.stderr == "" && stderr.Len() > 0 || tt.stderr != "" && !slices.Contains(lines, tt.stderr) {
				t.Errorf("leadworker %s: stderr %q; want the line %q", line, stderr.String(), tt.stderr)
			}
		})
	}
}
