package main

import (
	"bytes"
	"go/parser"
	"go/token"
	"os"
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
		{"consumer", []string{module}, []string{module + "recovery", module + "route", module + "fetch", module + "budget", module + "dispatch", module + "watermark", module + "park", module + "topiccheck"}},
		{"topiccheck", []string{module, kafka}, []string{module + "route"}},
		{"tracing", []string{module, kafka}, []string{module + "consumer", module + "handlers"}},
		{"fairshare", []string{module, kafka}, []string{module + "consumer", module + "schemas"}},
		{"parking", []string{module, kafka}, []string{module + "consumer", module + "guard", module + "park"}},
		{"watermark", []string{module, kafka}, nil},
		{"park", []string{module}, nil},
		{"recovery", []string{module}, nil},
		{"route", []string{module}, nil},
		{"fetch", []string{module}, nil},
		{"budget", []string{module, kafka}, nil},
		{"dispatch", []string{module, kafka}, nil},
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
	for _, pkg := range []string{"consumer", "recovery", "route", "fetch", "budget", "dispatch", "watermark", "park", "topiccheck", "kafkaadmin"} {
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
// sandbox.go (demo, bench, the sample events) reaches the sandbox, and the
// nosandbox build leaves it out.
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
			if sandboxPackage(path) {
				t.Errorf("%s imports %s; only sandbox.go may", f, path)
			}
		}
	}
	src, err := os.ReadFile("sandbox.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(src, []byte("//go:build !nosandbox\n")) {
		t.Error("sandbox.go does not start with //go:build !nosandbox")
	}
}

// TestImageBuildLinksNoSandbox: the binary of the image (go build -tags
// nosandbox, as the Dockerfile and scripts/images.sh build it) links no
// embedded broker, fake myKaarma, sample events or test helpers. The
// OpenTelemetry console exporter (OTEL_TRACES_EXPORTER=console) links the
// SDK's tracetest for its span records; no package of this module does.
func TestImageBuildLinksNoSandbox(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "nosandbox", "-f", `{{.ImportPath}} {{join .Imports " "}}`, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps -tags nosandbox: %v\n%s", err, out)
	}
	var n int
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		n++
		if sandboxPackage(f[0]) || f[0] == "testing" {
			t.Errorf("the image build links %s", f[0])
		}
		if strings.HasPrefix(f[0], module) && slices.Contains(f[1:], tracetestPath) {
			t.Errorf("%s imports %s in the image build", f[0], tracetestPath)
		}
	}
	if n < 50 {
		t.Fatalf("go list -deps listed %d packages; want the whole binary", n)
	}
}

const tracetestPath = "go.opentelemetry.io/otel/sdk/trace/tracetest"

// sandboxPackage reports whether path belongs to what only demo and bench
// need: the sandbox, the fake myKaarma, the sample events, the embedded
// broker.
func sandboxPackage(path string) bool {
	switch path {
	case module + "sandbox", module + "mykaarma/mykaarmatest", module + "examples":
		return true
	}
	return strings.HasPrefix(path, "github.com/twmb/franz-go/")
}
