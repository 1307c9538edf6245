package main

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/leadworker/leadworker/"

// TestPackageBoundaries holds each package to what its doc.go says it must
// not import, and keeps the testing package out of the binary.
func TestPackageBoundaries(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		imports[strings.TrimPrefix(f[0], module)] = f[1:]
	}
	kafka := "github.com/segmentio/kafka-go"
	tests := []struct {
		pkg       string
		forbidden []string // import paths, or prefixes ending in "/"
	}{
		{"consumer", []string{module}},
		{"guard", []string{module, kafka, "net/http"}},
		{"throttle", []string{module, kafka}},
		{"logmask", []string{module, kafka}},
		{"schemas", []string{module, kafka}},
		{"mykaarma", []string{module + "consumer", module + "handlers", module + "worker", kafka, "github.com/sirupsen/logrus"}},
		{"handlers", []string{module + "consumer", module + "worker", kafka}},
		{"worker", []string{module + "sandbox", kafka, "testing"}},
		{"sandbox", []string{"testing"}},
	}
	for _, tt := range tests {
		got, ok := imports[tt.pkg]
		if !ok {
			t.Errorf("package %s not found", tt.pkg)
			continue
		}
		for _, imp := range got {
			for _, bad := range tt.forbidden {
				if imp == bad || (strings.HasSuffix(bad, "/") && strings.HasPrefix(imp, bad)) {
					t.Errorf("%s imports %s", tt.pkg, imp)
				}
			}
		}
	}

	deps, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, deps)
	}
	for _, d := range strings.Fields(string(deps)) {
		if d == "testing" {
			t.Error("the leadworker binary links the testing package")
		}
	}
}
