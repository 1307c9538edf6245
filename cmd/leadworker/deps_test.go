package main

import (
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
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
		allowed   []string // exceptions to forbidden
	}{
		{"consumer", []string{module}, []string{module + "recovery", module + "route", module + "fetch", module + "budget"}},
		{"recovery", []string{module}, nil},
		{"route", []string{module}, nil},
		{"fetch", []string{module}, nil},
		{"budget", []string{module, kafka}, nil},
		{"kafkaadmin", []string{module}, []string{module + "consumer"}},
		{"replay", []string{module}, []string{module + "kafkaadmin", module + "deadletter"}},
		{"deadletter", []string{module}, []string{module + "recovery", module + "consumer"}},
		{"guard", []string{module, kafka, "net/http"}, nil},
		{"throttle", []string{module, kafka}, nil},
		{"logmask", []string{module, kafka}, nil},
		{"schemas", []string{module, kafka}, nil},
		{"mykaarma", []string{module + "consumer", module + "handlers", module + "worker", kafka, "github.com/sirupsen/logrus"}, nil},
		{"handlers", []string{module + "consumer", module + "worker", kafka}, nil},
		{"worker", []string{module + "sandbox", kafka, "testing"}, nil},
		{"sandbox", []string{"testing"}, nil},
		{"console", []string{module + "sandbox", module + "mykaarma/mykaarmatest", "github.com/twmb/franz-go/", "testing"}, nil},
	}
	// No package below the worker knows a dead-letter class: the run path
	// writes the headers it is told.
	for _, pkg := range []string{"consumer", "recovery", "route", "fetch", "budget", "kafkaadmin"} {
		for _, imp := range imports[pkg] {
			if imp == module+"deadletter" {
				t.Errorf("%s imports %s", pkg, imp)
			}
		}
	}
	for _, tt := range tests {
		got, ok := imports[tt.pkg]
		if !ok {
			t.Errorf("package %s not found", tt.pkg)
			continue
		}
		for _, imp := range got {
			if slices.Contains(tt.allowed, imp) {
				continue
			}
			for _, bad := range tt.forbidden {
				if imp == bad || (strings.HasSuffix(bad, "/") && strings.HasPrefix(imp, bad)) {
					t.Errorf("%s imports %s", tt.pkg, imp)
				}
			}
		}
	}

	// console is linked into the worker's binary (produce, tail): nothing of
	// the sandbox, even indirectly.
	consoleDeps, err := exec.Command("go", "list", "-deps", module+"console").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps console: %v\n%s", err, consoleDeps)
	}
	for _, d := range strings.Fields(string(consoleDeps)) {
		if d == module+"sandbox" || d == module+"mykaarma/mykaarmatest" || strings.HasPrefix(d, "github.com/twmb/franz-go/") || d == "testing" {
			t.Errorf("console depends on %s", d)
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

// TestOnlySandboxGoImportsTheSandbox: of this command's files, only
// sandbox.go (demo, bench) reaches the sandbox, so that a build of the
// worker's image can leave demo and bench out by leaving that file out.
func TestOnlySandboxGoImportsTheSandbox(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "sandbox.go" {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == module+"sandbox" || path == module+"mykaarma/mykaarmatest" || strings.HasPrefix(path, "github.com/twmb/franz-go/") {
				t.Errorf("%s imports %s; only sandbox.go may", f, path)
			}
		}
	}
}
