package console

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/leadworker/leadworker/schemas"
)

// Record is one record to produce: its name (a file, or stdin:LINE), its
// Kafka key (nil: none), its value and its headers (such as a producer's
// traceparent).
type Record struct {
	Name    string
	Key     []byte
	Value   []byte
	Headers map[string]string
}

// keyed returns a record keyed by its value's eventId, else by fallback
// (nil: no key).
func keyed(name string, value []byte, fallback []byte) Record {
	key := fallback
	if id := schemas.PeekEventID(value); id != "" {
		key = []byte(id)
	}
	return Record{Name: name, Key: key, Value: value}
}

// Samples returns the events of fsys (such as the samples of examples/), in
// file-name order, each keyed by its eventId, else by its file name.
func Samples(fsys fs.FS) ([]Record, error) {
	var out []Record
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		out = append(out, keyed(path, b, []byte(path)))
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// Files returns one record per file, its whole content as the value, keyed
// by its eventId, else by the file's base name.
func Files(paths []string) ([]Record, error) {
	var out []Record
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		out = append(out, keyed(p, b, []byte(filepath.Base(p))))
	}
	return out, nil
}

// maxLineBytes bounds one line of Lines: larger than any event the worker
// accepts by default (MAX_RECORD_BYTES, 1 MiB), with room to spare.
const maxLineBytes = 16 << 20

// Lines returns one record per non-empty line of r, keyed by its eventId,
// else without a key. The trailing newline (and a carriage return before it)
// is not part of the value.
func Lines(r io.Reader, name string) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	var out []Record
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimRight(sc.Bytes(), "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		out = append(out, keyed(fmt.Sprintf("%s:%d", name, n), bytes.Clone(line), nil))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return out, nil
}
