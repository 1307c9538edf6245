package schemas

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/invalid/*.want from Decode's errors")

func testdataFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no files in testdata/%s", dir)
	}
	return files
}

func TestDecodeValidTestdata(t *testing.T) {
	t.Parallel()
	for _, file := range testdataFiles(t, "valid") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode(%s) = %v; want no error", file, err)
			}
			if got, want := ev.EventID, PeekEventID(b); got != want {
				t.Errorf("EventID = %q; want %q (PeekEventID)", got, want)
			}
		})
	}
}

// TestDecodeInvalidTestdata compares Decode's error for each testdata/invalid/*.json with the
// sibling .want file. Run with -update to rewrite the .want files, then review the diff.
func TestDecodeInvalidTestdata(t *testing.T) {
	for _, file := range testdataFiles(t, "invalid") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := Decode(b)
			if err == nil {
				t.Fatalf("Decode(%s) = %+v, nil; want an error", file, ev)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false; want true", err)
			}
			wantFile := strings.TrimSuffix(file, ".json") + ".want"
			if *update {
				if err := os.WriteFile(wantFile, []byte(err.Error()+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, rerr := os.ReadFile(wantFile)
			if rerr != nil {
				t.Fatalf("%v (run go test -update to create it)", rerr)
			}
			if got := err.Error(); got != strings.TrimSuffix(string(want), "\n") {
				t.Errorf("Decode(%s) error:\n got: %s\nwant: %s", file, got, want)
			}
		})
	}
}
