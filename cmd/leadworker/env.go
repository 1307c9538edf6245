package main

import (
	"errors"
	"fmt"
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
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want a number >= 0", name, v))
		return def
	}
	return f
}

func (e *env) duration(name string, def time.Duration) time.Duration {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want a positive duration such as 500ms or 2m", name, v))
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
