package deploy_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// readmeVariables returns the variables of README.md's configuration table:
// every backticked NAME in a row of the table under "### Configuration"
// (the first column, and names such as KAFKA_TLS_CA_FILE or
// CIRCUIT_MIN_EVENTS given in the meaning column), with the default column
// of the row they head.
func readmeVariables(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "\n### Configuration\n")
	if !ok {
		t.Fatal("README.md has no ### Configuration section")
	}
	table, _, _ = strings.Cut(table, "\n#")
	name := regexp.MustCompile("`([A-Z][A-Z0-9_]+)`")
	vars := map[string]string{}
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, " | ")
		if len(cells) < 3 {
			t.Fatalf("README.md configuration row %q: want | variable | default | meaning |", line)
		}
		def := strings.Trim(cells[1], "` ")
		for _, m := range name.FindAllStringSubmatch(cells[0], -1) {
			vars[m[1]] = def
		}
		for _, m := range name.FindAllStringSubmatch(strings.Join(cells[2:], " | "), -1) {
			if _, ok := vars[m[1]]; !ok {
				vars[m[1]] = ""
			}
		}
	}
	if len(vars) < 30 {
		t.Fatalf("README.md's configuration table gave %d variables; the parser lost the table", len(vars))
	}
	return vars
}

// readmeAnchors returns the GitHub anchors of README.md's headings.
func readmeAnchors(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	drop := regexp.MustCompile(`[^a-z0-9 _-]`)
	anchors := map[string]bool{}
	inFence := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
		}
		if inFence || !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#")))
		anchors[strings.ReplaceAll(drop.ReplaceAllString(h, ""), " ", "-")] = true
	}
	return anchors
}

// TestReadmeLinksAndContents: every link to a section of README.md names a
// heading that exists, and the contents line lists every ## section.
func TestReadmeLinksAndContents(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := readmeAnchors(t)
	for _, m := range regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(string(b), -1) {
		if !anchors[m[1]] {
			t.Errorf("README.md links to #%s, which is no heading", m[1])
		}
	}
	_, contents, ok := strings.Cut(string(b), "**Contents:**")
	if !ok {
		t.Fatal("README.md has no **Contents:** line")
	}
	contents, _, _ = strings.Cut(contents, "\n\n")
	for _, m := range regexp.MustCompile(`(?m)^## (.+)$`).FindAllStringSubmatch(string(b), -1) {
		if !strings.Contains(contents, "["+m[1]+"]") {
			t.Errorf("README.md's contents do not list %q", m[1])
		}
	}
}
