package schemas

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrInvalid is matched (with errors.Is) by every error [Decode] and [ValidateResult] return:
// the input is wrong, and retrying it cannot help.
var ErrInvalid = errors.New("invalid")

// errDateTime is the reason a "date-time" format check fails.
var errDateTime = errors.New("want RFC 3339 like 2024-06-08T11:00:00Z")

// maxErrorLen caps the length of [ValidationError.Error] (about 1 KiB).
const maxErrorLen = 1024

// Problem is one reason an input is invalid.
type Problem struct {
	// Path is a JSON pointer (RFC 6901) to the offending value, such as "/lead/leadType". For a
	// missing property it points at the property itself. It is "" for the whole input.
	Path string
	// Message says what is wrong, such as "missing property" or `value must be "NEW"`.
	Message string
}

// String returns "path: message", or the message alone when the path is "".
func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// ValidationError reports why an input is invalid. Problems is never empty, sorted by path
// (array indexes in numeric order) and then message, and free of duplicates.
type ValidationError struct {
	Problems []Problem
}

// newValidationError sorts and de-duplicates problems.
func newValidationError(problems ...Problem) *ValidationError {
	slices.SortFunc(problems, func(a, b Problem) int {
		if c := comparePaths(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	return &ValidationError{Problems: slices.Compact(problems)}
}

// comparePaths orders JSON pointers token by token, numeric tokens (array indexes) by value.
func comparePaths(a, b string) int {
	at, bt := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(at) && i < len(bt); i++ {
		x, y := at[i], bt[i]
		if isDigits(x) && isDigits(y) && len(x) != len(y) {
			return len(x) - len(y)
		}
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
	return len(at) - len(bt)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Error joins the problems with "; ", as in "/lead/leadType: missing property; /lead/status:
// value must be \"NEW\"". When the text would pass about 1 KiB, the remaining problems are
// counted instead, as in "; (+3 more)".
func (e *ValidationError) Error() string {
	if len(e.Problems) == 0 {
		return "invalid"
	}
	var sb strings.Builder
	for i, p := range e.Problems {
		s := p.String()
		if i > 0 {
			more := "; (+" + strconv.Itoa(len(e.Problems)-i) + " more)"
			if sb.Len()+len("; ")+len(s)+len(more) > maxErrorLen {
				sb.WriteString(more)
				break
			}
			sb.WriteString("; ")
		}
		if i == 0 && len(s) > maxErrorLen {
			s = truncate(s, maxErrorLen)
		}
		sb.WriteString(s)
	}
	return sb.String()
}

// Is reports whether target is [ErrInvalid].
func (e *ValidationError) Is(target error) bool {
	return target == ErrInvalid
}

// truncate shortens s to at most n bytes, at a rune boundary, marking the cut with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// quote returns s as a JSON string literal (Go's quoting, which agrees for the printable
// characters of typical values), shortened to a short prefix so that messages never carry a
// whole input value.
func quote(s string) string {
	return strconv.Quote(truncate(s, 40))
}
