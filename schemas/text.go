package schemas

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
)

// Messages of the text problems.
const (
	msgNUL       = "contains a NUL character"
	msgSurrogate = "contains an unpaired surrogate"
)

// textProblems reports the strings of b, an event of eventType that is known to be valid JSON,
// that myKaarma could not store as sent: one with a NUL character (\u0000), or with an unpaired
// UTF-16 surrogate escape such as \ud800, which encoding/json silently turns into U+FFFD. The
// escapes are read from the raw input because after decoding a lone surrogate is
// indistinguishable from a U+FFFD the producer sent. Only strings that reach the Event are
// checked: properties the schema does not list (and the other event type's) are ignored, as
// Decode ignores them.
func textProblems(b []byte, eventType string) []Problem {
	if !bytes.Contains(b, []byte(`\u`)) {
		return nil // both problems are written as \u escapes (a raw NUL is not valid JSON)
	}
	w := textWalker{b: b}
	foreign := map[string]bool{}
	for _, k := range foreignProps(eventType) {
		foreign[k] = true
	}
	w.value("", reflect.TypeFor[Event](), foreign)
	return w.problems
}

// textWalker reads valid JSON and checks its strings. t is the Go type the value decodes into,
// or nil for a value Decode ignores.
type textWalker struct {
	b        []byte
	i        int
	problems []Problem
}

func (w *textWalker) space() {
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

func (w *textWalker) value(path string, t reflect.Type, skip map[string]bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	w.space()
	if w.i >= len(w.b) {
		return
	}
	switch w.b[w.i] {
	case '{':
		var fields map[string]reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		}
		w.i++
		for {
			w.space()
			if w.i >= len(w.b) || w.b[w.i] == '}' {
				w.i++
				return
			}
			if w.b[w.i] == ',' {
				w.i++
				continue
			}
			raw := w.str()
			var key string
			_ = json.Unmarshal(raw, &key) // valid JSON: cannot fail
			w.space()
			w.i++ // ':'
			ft := fields[key]
			if skip[key] {
				ft = nil
			}
			w.value(path+"/"+escape(key), ft, nil)
		}
	case '[':
		var et reflect.Type
		if t != nil && t.Kind() == reflect.Slice {
			et = t.Elem()
		}
		w.i++
		for n := 0; ; n++ {
			w.space()
			if w.i >= len(w.b) || w.b[w.i] == ']' {
				w.i++
				return
			}
			if w.b[w.i] == ',' {
				w.i++
			}
			w.value(path+"/"+strconv.Itoa(n), et, nil)
		}
	case '"':
		raw := w.str()
		if t == nil {
			return
		}
		if msg := badText(raw); msg != "" {
			w.problems = append(w.problems, Problem{Path: path, Message: msg})
		}
	default: // number, true, false, null
		for w.i < len(w.b) {
			switch w.b[w.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return
			}
			w.i++
		}
	}
}

// str returns the string literal at w.i, quotes included, and moves past it.
func (w *textWalker) str() []byte {
	start := w.i
	w.i++ // opening quote
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case '\\':
			w.i += 2
		case '"':
			w.i++
			return w.b[start:w.i]
		default:
			w.i++
		}
	}
	return w.b[start:]
}

// badText returns msgNUL or msgSurrogate when the raw string literal s has a \u0000 escape or an
// unpaired surrogate escape, and "" otherwise. A literal U+FFFD and its escape \ufffd are
// accepted: they are valid characters, and nothing shows that the producer lost data.
func badText(s []byte) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		i++
		if i >= len(s) || s[i] != 'u' {
			continue // \" \\ \/ \b \f \n \r \t
		}
		v, ok := hex4(s, i+1)
		if !ok {
			continue
		}
		i += 4
		switch {
		case v == 0:
			return msgNUL
		case v >= 0xDC00 && v < 0xE000:
			return msgSurrogate
		case v >= 0xD800 && v < 0xDC00:
			if i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if lo, ok := hex4(s, i+3); ok && lo >= 0xDC00 && lo < 0xE000 {
					i += 6
					continue
				}
			}
			return msgSurrogate
		}
	}
	return ""
}

// hex4 reads four hex digits of s at i.
func hex4(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(s[i:i+4]), 16, 16)
	return rune(v), err == nil
}
