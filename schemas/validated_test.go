package schemas

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestDecodeValidatedMatchesDecode: for every valid payload, DecodeValidated
// returns exactly what Decode returns.
func TestDecodeValidatedMatchesDecode(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "valid", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no valid testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode() = %v", err)
			}
			got, err := DecodeValidated(b)
			if err != nil {
				t.Fatalf("DecodeValidated() = %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("DecodeValidated() = %+v\nwant %+v", got, want)
			}
		})
	}
	for _, bad := range []string{"", "[]", `{"eventType":"nope"}`} {
		if _, err := DecodeValidated([]byte(bad)); err == nil {
			t.Errorf("DecodeValidated(%q) = nil error", bad)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	v, err := os.ReadFile(filepath.Join("testdata", "valid", "lead-full.json"))
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		decode func([]byte) (*Event, error)
	}{{"Decode", Decode}, {"DecodeValidated", DecodeValidated}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.decode(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
