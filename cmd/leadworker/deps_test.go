package main

import (
	"go/ast"
	"go/build/constraint"
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
		{"consumer", []string{module}, []string{module + "recovery"}},
		{"recovery", []string{module}, nil},
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

// sandboxOnly are the packages only demo, bench and the sample events need:
// import paths, or prefixes ending in "/". The image's build links none.
var sandboxOnly = []string{
	module + "sandbox",
	module + "mykaarma/mykaarmatest",
	module + "examples",
	module + "testkit",
	"github.com/twmb/franz-go/", // kfake and its client
	"go.opentelemetry.io/otel/sdk/trace/tracetest",
	"testing",
}

func isSandboxOnly(path string) bool {
	for _, p := range sandboxOnly {
		if path == p || (strings.HasSuffix(p, "/") && strings.HasPrefix(path, p)) {
			return true
		}
	}
	return false
}

// TestOnlySandboxFilesImportTheSandbox: of this command's files, only those
// the image's build leaves out (//go:build !lean: sandbox.go for demo and
// bench, samples.go for produce's sample events) import what only the sandbox
// needs.
func TestOnlySandboxFilesImportTheSandbox(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	lean := func(tag string) bool { return tag == "lean" }
	var leanFiles int
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if expr := buildConstraint(t, f, file); expr != nil && !expr.Eval(lean) {
			continue // not in the image's build
		}
		leanFiles++
		for _, imp := range file.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if isSandboxOnly(path) {
				t.Errorf("%s imports %s, and the image's build (-tags lean) compiles it; give the import a //go:build !lean file", f, path)
			}
		}
	}
	if leanFiles == 0 {
		t.Error("no file of this command is in the lean build")
	}
}

// buildConstraint returns the //go:build line of file (nil: none).
func buildConstraint(t *testing.T, name string, file *ast.File) constraint.Expr {
	t.Helper()
	for _, g := range file.Comments {
		if g.Pos() > file.Package {
			break
		}
		for _, c := range g.List {
			if constraint.IsGoBuild(c.Text) {
				expr, err := constraint.Parse(c.Text)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				return expr
			}
		}
	}
	return nil
}

// TestLeanBuildLinksNoSandbox: the image's build (go build -tags lean, as the
// Dockerfile and scripts/images.sh do it) links no embedded broker, no fake
// myKaarma, no sample events and no test kit, while a plain build (go run
// ./cmd/leadworker demo) keeps them.
func TestLeanBuildLinksNoSandbox(t *testing.T) {
	lean := depsOf(t, "-tags", "lean")
	if _, ok := lean[module+"worker"]; !ok {
		t.Fatalf("the lean build does not link %sworker; is go list listing it? %v", module, lean)
	}
	for pkg := range lean {
		if !isSandboxOnly(pkg) {
			continue
		}
		// OpenTelemetry's console exporter (OTEL_TRACES_EXPORTER=console,
		// reached through autoexport) prints spans as tracetest's stubs.
		if pkg == "go.opentelemetry.io/otel/sdk/trace/tracetest" && slices.Equal(lean[pkg], []string{"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"}) {
			continue
		}
		t.Errorf("the lean build links %s, imported by %v", pkg, lean[pkg])
	}

	plain := depsOf(t)
	for _, pkg := range []string{module + "sandbox", "github.com/twmb/franz-go/pkg/kfake"} {
		if _, ok := plain[pkg]; !ok {
			t.Errorf("a plain build does not link %s: demo and bench need it", pkg)
		}
	}
}

// depsOf returns every package the binary built with flags links, with the
// packages of that build importing it.
func depsOf(t *testing.T, flags ...string) map[string][]string {
	t.Helper()
	args := append([]string{"list"}, flags...)
	args = append(args, "-deps", "-f", `{{.ImportPath}} {{join .Imports " "}}`, ".")
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	importers := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if _, ok := importers[f[0]]; !ok {
			importers[f[0]] = nil
		}
		for _, imp := range f[1:] {
			importers[imp] = append(importers[imp], f[0])
		}
	}
	return importers
}
