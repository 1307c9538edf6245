package main

import (
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// env reads variables and collects every problem, each naming its variable.
type env struct {
	lookup func(string) (string, bool)
	errs   []error
}

func (e *env) str(name, def string) string {
	if v, ok := e.lookup(name); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

func (e *env) required(name string) string {
	v := e.str(name, "")
	if v == "" {
		e.errs = append(e.errs, fmt.Errorf("%s is required", name))
	}
	return v
}

func (e *env) list(name, def string) []string {
	var out []string
	for _, s := range strings.Split(e.str(name, def), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (e *env) integer(name string, def, min int) int {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want a whole number >= %d", name, v, min))
		return def
	}
	return n
}

func (e *env) float(name string, def float64) float64 {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	// ParseFloat takes "Inf" and "NaN": neither is a rate or a share.
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want a finite number >= 0", name, v))
		return def
	}
	return f
}

// duration reads a duration of at least min: a floor below which the
// setting would make the worker spin or fail every time.
func (e *env) duration(name string, def, min time.Duration) time.Duration {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	switch {
	case err != nil || d <= 0:
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want a positive duration such as 500ms or 2m", name, v))
		return def
	case d < min:
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want at least %v", name, v, min))
		return def
	}
	return d
}

func (e *env) boolean(name string, def bool) bool {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want true or false", name, v))
		return def
	}
	return b
}

func (e *env) oneOf(name, def string, allowed ...string) string {
	v := e.str(name, def)
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a
		}
	}
	e.errs = append(e.errs, fmt.Errorf("%s=%q: want one of %s", name, v, strings.Join(allowed, ", ")))
	return def
}

// addr reads a listen address: host:port with a numeric port 0..65535 and
// any host (empty for every interface). net.Listen would only refuse a bad
// one at startup, after the configuration was taken as valid.
func (e *env) addr(name, def string) string {
	v := e.str(name, def)
	if !validHostPort(v, 0, true) {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want host:port with a port 0..65535, such as :8080 or 127.0.0.1:8081", name, v))
		return def
	}
	return v
}

// validHostPort reports whether s is host:port with a numeric port of at
// least minPort; emptyHost allows ":port".
func validHostPort(s string, minPort int, emptyHost bool) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil || (host == "" && !emptyHost) || strings.ContainsAny(host, " \t") {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= minPort && n <= 65535 && port == strconv.Itoa(n)
}

// token reads a secret that a client sends in an HTTP header (NAME or
// NAME_FILE). HTTP strips spaces and tabs around a header's value, so a token
// that starts or ends with one could never match: it is refused rather than
// trimmed, so that the token the operator wrote is the one that works. So are
// control characters, which a header cannot carry.
func (e *env) token(name string) string {
	v := e.secret(name)
	if v != "" && (strings.TrimSpace(v) != v || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f })) {
		e.errs = append(e.errs, fmt.Errorf("%s: starts or ends with whitespace, or holds a control character, which an HTTP header cannot carry: remove it", name))
	}
	return v
}

// secret reads NAME, or the file named by NAME_FILE.
func (e *env) secret(name string) string {
	v, hasValue := e.lookup(name)
	file := e.str(name+"_FILE", "")
	switch {
	case hasValue && v != "" && file != "":
		e.errs = append(e.errs, fmt.Errorf("set %s or %s_FILE, not both", name, name))
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s_FILE: cannot read the file: %w", name, errors.Unwrap(err)))
			return ""
		}
		return strings.TrimRight(string(b), "\r\n")
	}
	return v
}
