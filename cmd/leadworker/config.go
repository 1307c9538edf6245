package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/worker"
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

// loadConfig reads the worker's configuration. The error lists every bad or
// missing variable by name and never contains a secret's value.
func loadConfig(lookup func(string) (string, bool)) (worker.Config, error) {
	e := &env{lookup: lookup}
	d := worker.DefaultConfig()
	c := worker.Config{
		Brokers:     e.list("KAFKA_BROKERS", ""),
		GroupID:     e.str("KAFKA_GROUP_ID", d.GroupID),
		InputTopics: e.list("KAFKA_INPUT_TOPICS", strings.Join(d.InputTopics, ",")),
		ResultTopic: e.str("KAFKA_RESULT_TOPIC", d.ResultTopic),
		DLQTopic:    e.str("KAFKA_DLQ_TOPIC", d.DLQTopic),

		BaseURL:  e.str("MYKAARMA_BASE_URL", d.BaseURL),
		Username: e.required("MYKAARMA_USERNAME"),
		Password: e.secret("MYKAARMA_PASSWORD"),

		HTTPAddr:  e.str("HTTP_ADDR", d.HTTPAddr),
		LogLevel:  e.oneOf("LOG_LEVEL", d.LogLevel, "debug", "info", "warn", "error"),
		LogFormat: e.oneOf("LOG_FORMAT", d.LogFormat, "json", "text"),

		MaxResults:      e.integer("MYKAARMA_MAX_RESULTS", d.MaxResults, 1),
		CallTimeout:     e.duration("MYKAARMA_TIMEOUT", d.CallTimeout),
		RetryInitial:    e.duration("RETRY_INITIAL_INTERVAL", d.RetryInitial),
		RetryMax:        e.duration("RETRY_MAX_INTERVAL", d.RetryMax),
		RetryMaxElapsed: e.duration("RETRY_MAX_ELAPSED", d.RetryMaxElapsed),
		RateLimit:       e.float("MYKAARMA_RATE_LIMIT", d.RateLimit),

		MaxInFlight:         e.integer("MAX_IN_FLIGHT", d.MaxInFlight, 1),
		MaxBuffered:         e.integer("MAX_BUFFERED", 0, 1), // 0: 2 × MaxInFlight, below
		AdaptiveConcurrency: e.boolean("ADAPTIVE_CONCURRENCY", d.AdaptiveConcurrency),
		MaxRecordBytes:      e.integer("MAX_RECORD_BYTES", d.MaxRecordBytes, 1),
		DrainTimeout:        e.duration("DRAIN_TIMEOUT", d.DrainTimeout),

		Kafka: consumer.Security{
			TLS:                e.boolean("KAFKA_TLS", false),
			TLSCAFile:          e.str("KAFKA_TLS_CA_FILE", ""),
			TLSCertFile:        e.str("KAFKA_TLS_CERT_FILE", ""),
			TLSKeyFile:         e.str("KAFKA_TLS_KEY_FILE", ""),
			InsecureSkipVerify: e.boolean("KAFKA_TLS_INSECURE_SKIP_VERIFY", false),
			SASLMechanism:      e.oneOf("KAFKA_SASL_MECHANISM", "", "", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"),
			SASLUsername:       e.str("KAFKA_SASL_USERNAME", ""),
			SASLPassword:       e.secret("KAFKA_SASL_PASSWORD"),
		},
	}
	c.Guards = loadGuardConfig(e, d.Guards)
	if len(c.Brokers) == 0 {
		e.errs = append(e.errs, errors.New("KAFKA_BROKERS is required (comma-separated host:port list)"))
	}
	if c.Password == "" {
		e.errs = append(e.errs, errors.New("MYKAARMA_PASSWORD or MYKAARMA_PASSWORD_FILE is required"))
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		e.errs = append(e.errs, errors.New("MYKAARMA_BASE_URL: want an http or https URL without credentials"))
	}
	if len(c.InputTopics) == 0 {
		e.errs = append(e.errs, errors.New("KAFKA_INPUT_TOPICS: want at least one topic"))
	}
	for _, t := range c.InputTopics {
		if t == c.ResultTopic || t == c.DLQTopic {
			e.errs = append(e.errs, fmt.Errorf("KAFKA_INPUT_TOPICS: %q is also KAFKA_RESULT_TOPIC or KAFKA_DLQ_TOPIC", t))
		}
	}
	if c.MaxBuffered == 0 {
		c.MaxBuffered = 2 * c.MaxInFlight
	}
	if c.MaxBuffered < c.MaxInFlight {
		e.errs = append(e.errs, fmt.Errorf("MAX_BUFFERED=%d: want at least MAX_IN_FLIGHT (%d)", c.MaxBuffered, c.MaxInFlight))
	}
	if c.MaxResults > 100 {
		e.errs = append(e.errs, fmt.Errorf("MYKAARMA_MAX_RESULTS=%d: want 1..100", c.MaxResults))
	}
	if c.DrainTimeout >= 30*time.Second {
		e.errs = append(e.errs, fmt.Errorf("DRAIN_TIMEOUT=%v: want less than the 30s rebalance timeout", c.DrainTimeout))
	}
	k := c.Kafka
	if k.SASLMechanism != "" && (k.SASLUsername == "" || k.SASLPassword == "") {
		e.errs = append(e.errs, errors.New("KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE)"))
	}
	if (k.TLSCertFile == "") != (k.TLSKeyFile == "") {
		e.errs = append(e.errs, errors.New("KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE go together"))
	}
	return c, errors.Join(e.errs...)
}

// loadGuardConfig reads the guards' variables (README.md, "On a bad day").
// loadConfig calls it with its env so that problems are reported together.
func loadGuardConfig(e *env, d worker.GuardConfig) worker.GuardConfig {
	g := worker.GuardConfig{
		Circuit: guard.CircuitOptions{
			Consecutive: e.integer("CIRCUIT_FAILURE_THRESHOLD", d.Circuit.Consecutive, 0),
			Ratio:       e.float("CIRCUIT_FAILURE_RATIO", d.Circuit.Ratio),
			WindowCalls: e.integer("CIRCUIT_WINDOW_CALLS", d.Circuit.WindowCalls, 1),
			Window:      e.duration("CIRCUIT_WINDOW", d.Circuit.Window),
			MinEvents:   e.integer("CIRCUIT_MIN_EVENTS", d.Circuit.MinEvents, 1),
		},
		Flood: guard.FloodOptions{
			Ratio:       e.float("DLQ_FLOOD_RATIO", d.Flood.Ratio),
			Window:      e.integer("DLQ_FLOOD_WINDOW", d.Flood.Window, 1),
			MinEvents:   e.integer("DLQ_FLOOD_MIN_EVENTS", d.Flood.MinEvents, 1),
			Consecutive: e.integer("DLQ_FLOOD_CONSECUTIVE", d.Flood.Consecutive, 0),
		},
		ProbeMin:    e.duration("CIRCUIT_PROBE_MIN_INTERVAL", d.ProbeMin),
		ProbeMax:    e.duration("CIRCUIT_PROBE_MAX_INTERVAL", d.ProbeMax),
		LagInterval: e.duration("LAG_INTERVAL", d.LagInterval),
	}
	if g.Circuit.Consecutive == 0 {
		g.Circuit.Consecutive = -1 // CIRCUIT_FAILURE_THRESHOLD=0 turns the circuit off
	}
	if g.Flood.Consecutive == 0 {
		g.Flood.Disabled = true // DLQ_FLOOD_CONSECUTIVE=0 turns the flood guard off
	}
	if r := g.Circuit.Ratio; r <= 0 || r > 1 {
		e.errs = append(e.errs, fmt.Errorf("CIRCUIT_FAILURE_RATIO=%v: want a share in (0, 1]", r))
	}
	if r := g.Flood.Ratio; r <= 0 || r > 1 {
		e.errs = append(e.errs, fmt.Errorf("DLQ_FLOOD_RATIO=%v: want a share in (0, 1]", r))
	}
	if g.Flood.MinEvents > g.Flood.Window {
		e.errs = append(e.errs, fmt.Errorf("DLQ_FLOOD_MIN_EVENTS=%d: want at most DLQ_FLOOD_WINDOW=%d", g.Flood.MinEvents, g.Flood.Window))
	}
	if g.ProbeMin > g.ProbeMax {
		e.errs = append(e.errs, fmt.Errorf("CIRCUIT_PROBE_MIN_INTERVAL=%v: want at most CIRCUIT_PROBE_MAX_INTERVAL=%v", g.ProbeMin, g.ProbeMax))
	}
	return g
}
