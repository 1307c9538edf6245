package main

import (
	"errors"
	"fmt"
	"github.com/leadworker/leadworker/consumer"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/leadworker/leadworker/fairshare"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/worker"
)

// Floors and ceilings of settings that pass as numbers but would make the
// worker spin, hammer a server or fail every time (README.md, Configuration).
const (
	minCallTimeout   = 100 * time.Millisecond // MYKAARMA_TIMEOUT: shorter than a round trip to myKaarma; every call would time out and be retried
	minRetryInitial  = 10 * time.Millisecond  // RETRY_INITIAL_INTERVAL: below it a failing call is retried in a tight loop
	minRetryMax      = 100 * time.Millisecond // RETRY_MAX_INTERVAL: the same, once the backoff reaches its cap
	minCommitDelay   = 10 * time.Millisecond  // COMMIT_DELAY: below it a busy partition commits after nearly every event
	minDrainTimeout  = time.Second            // DRAIN_TIMEOUT: below it every rebalance cuts in-flight calls, and their events are redone elsewhere
	minCircuitWindow = time.Second            // CIRCUIT_WINDOW: a shorter window never holds enough calls to open the circuit
	minProbeInterval = 100 * time.Millisecond // CIRCUIT_PROBE_*_INTERVAL: below it a paused worker probes myKaarma in a tight loop
	minLagInterval   = time.Second            // LAG_INTERVAL: below it the broker probes and lag queries spin (LAG_INTERVAL=1ns used half a core)
	// KAFKA_SESSION_TIMEOUT: the brokers refuse a join outside their
	// group.min.session.timeout.ms and group.max.session.timeout.ms, whose
	// defaults are 6000 and 1800000, and kafka-go retries the join for ever.
	minSessionTimeout = 6 * time.Second
	maxSessionTimeout = 30 * time.Minute
	maxRateLimit      = 100000 // MYKAARMA_RATE_LIMIT, calls a second: beyond it the limiter's burst overflows
)

// loadConfig reads the worker's configuration. The error lists every bad or
// missing variable by name and never contains a secret's value.
func loadConfig(lookup func(string) (string, bool)) (worker.Config, error) {
	e := &env{lookup: lookup}
	d := worker.DefaultConfig()
	c := worker.Config{
		BaseURL:  e.str("MYKAARMA_BASE_URL", d.BaseURL),
		Username: e.required("MYKAARMA_USERNAME"),
		Password: e.secret("MYKAARMA_PASSWORD"),

		HTTPAddr:   e.addr("HTTP_ADDR", d.HTTPAddr),
		AdminAddr:  adminAddr(e, d.AdminAddr),
		AdminToken: e.token("ADMIN_TOKEN"),
		LogLevel:   e.oneOf("LOG_LEVEL", d.LogLevel, "debug", "info", "warn", "error"),
		LogFormat:  e.oneOf("LOG_FORMAT", d.LogFormat, "json", "text"),

		MaxResults:       e.integer("MYKAARMA_MAX_RESULTS", d.MaxResults, 1),
		IgnoreContacts:   ignoreContacts(e),
		RequireFirstName: e.boolean("MATCH_REQUIRE_FIRST_NAME", d.RequireFirstName),
		CallTimeout:      e.duration("MYKAARMA_TIMEOUT", d.CallTimeout, minCallTimeout),
		RetryInitial:     e.duration("RETRY_INITIAL_INTERVAL", d.RetryInitial, minRetryInitial),
		RetryMax:         e.duration("RETRY_MAX_INTERVAL", d.RetryMax, minRetryMax),
		RetryMaxElapsed:  e.duration("RETRY_MAX_ELAPSED", d.RetryMaxElapsed, time.Nanosecond),
		RateLimit:        e.float("MYKAARMA_RATE_LIMIT", d.RateLimit),

		LeadUnknownOutcome: handlers.LeadUnknownOutcome(e.oneOf("LEAD_UNKNOWN_OUTCOME", string(d.LeadUnknownOutcome),
			string(handlers.LeadUnknownRetry), string(handlers.LeadUnknownDeadLetter))),

		MaxInFlight:         e.integer("MAX_IN_FLIGHT", d.MaxInFlight, 1),
		FairDispatch:        e.boolean("FAIR_DISPATCH", d.FairDispatch),
		PriorityRules:       priorityRules(e),
		PriorityMaxDefer:    e.duration("PRIORITY_MAX_DEFER", d.PriorityMaxDefer, time.Millisecond),
		MaxBuffered:         e.integer("MAX_BUFFERED", 0, 1), // 0: the default, below
		AdaptiveConcurrency: e.boolean("ADAPTIVE_CONCURRENCY", d.AdaptiveConcurrency),
		MaxRecordBytes:      e.integer("MAX_RECORD_BYTES", d.MaxRecordBytes, 1),
		MaxBufferedBytes:    int64(e.integer("MAX_BUFFERED_BYTES", int(d.MaxBufferedBytes), 1)),
		DLQWriteGiveUp:      e.duration("DLQ_WRITE_GIVE_UP", d.DLQWriteGiveUp, time.Nanosecond),

		CommitDelay:            e.duration("COMMIT_DELAY", d.CommitDelay, minCommitDelay),
		CommitMetadataMaxBytes: e.integer("COMMIT_METADATA_MAX_BYTES", d.CommitMetadataMaxBytes, 1),
		AnsweredScanMaxRecords: e.integer("ANSWERED_SCAN_MAX_RECORDS", d.AnsweredScanMaxRecords, 0),
		AnsweredScanTimeout:    e.duration("ANSWERED_SCAN_TIMEOUT", d.AnsweredScanTimeout, time.Nanosecond),
		DrainTimeout:           e.duration("DRAIN_TIMEOUT", d.DrainTimeout, minDrainTimeout),
		SessionTimeout:         e.duration("KAFKA_SESSION_TIMEOUT", d.SessionTimeout, time.Nanosecond),

		ParkAfter: e.duration("PARK_AFTER", d.ParkAfter, time.Millisecond),
	}
	loadKafka(e, d, &c)
	if len(c.Brokers) == 0 {
		e.errs = append(e.errs, errors.New("KAFKA_BROKERS is required (comma-separated host:port list)"))
	}
	c.Guards = loadGuardConfig(e, d.Guards)
	if c.RateLimit > maxRateLimit {
		e.errs = append(e.errs, fmt.Errorf("MYKAARMA_RATE_LIMIT=%v: want at most %v calls a second (0 turns the limit off)", c.RateLimit, maxRateLimit))
	}
	if c.RetryMax < c.RetryInitial {
		e.errs = append(e.errs, fmt.Errorf("RETRY_MAX_INTERVAL=%v: want at least RETRY_INITIAL_INTERVAL=%v", c.RetryMax, c.RetryInitial))
	}
	if c.AdminAddr != "" && c.AdminToken == "" && !loopback(c.AdminAddr) {
		e.errs = append(e.errs, fmt.Errorf("ADMIN_ADDR=%s listens beyond loopback: set ADMIN_TOKEN or ADMIN_TOKEN_FILE, or listen on 127.0.0.1", c.AdminAddr))
	}
	if c.Password == "" {
		e.errs = append(e.errs, errors.New("MYKAARMA_PASSWORD or MYKAARMA_PASSWORD_FILE is required"))
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		e.errs = append(e.errs, errors.New("MYKAARMA_BASE_URL: want an http or https URL without credentials"))
	}
	if c.AnsweredScanMaxRecords == 0 {
		c.AnsweredScanMaxRecords = -1 // ANSWERED_SCAN_MAX_RECORDS=0 turns the read of answered work off
	}
	if c.MaxBuffered == 0 {
		c.MaxBuffered = max(worker.DefaultMaxBuffered, 2*c.MaxInFlight)
	}
	loadBulk(e, d.Bulk, &c)
	if c.MaxBuffered < c.MaxInFlight {
		e.errs = append(e.errs, fmt.Errorf("MAX_BUFFERED=%d: want at least MAX_IN_FLIGHT (%d)", c.MaxBuffered, c.MaxInFlight))
	}
	if c.MaxResults > 100 {
		e.errs = append(e.errs, fmt.Errorf("MYKAARMA_MAX_RESULTS=%d: want 1..100", c.MaxResults))
	}
	if s := c.SessionTimeout; s < minSessionTimeout || s > maxSessionTimeout {
		e.errs = append(e.errs, fmt.Errorf("KAFKA_SESSION_TIMEOUT=%v: want 6s..30m, the brokers' default group.min.session.timeout.ms and group.max.session.timeout.ms: a broker refuses a member outside its bounds", s))
	}
	if rebalance := consumer.DefaultOptions().RebalanceTimeout; c.DrainTimeout >= rebalance {
		e.errs = append(e.errs, fmt.Errorf("DRAIN_TIMEOUT=%v: want less than the %v rebalance timeout", c.DrainTimeout, rebalance))
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
			Window:      e.duration("CIRCUIT_WINDOW", d.Circuit.Window, minCircuitWindow),
			MinEvents:   e.integer("CIRCUIT_MIN_EVENTS", d.Circuit.MinEvents, 1),
		},
		Flood: guard.FloodOptions{
			Ratio:       e.float("DLQ_FLOOD_RATIO", d.Flood.Ratio),
			Window:      e.integer("DLQ_FLOOD_WINDOW", d.Flood.Window, 1),
			MinEvents:   e.integer("DLQ_FLOOD_MIN_EVENTS", d.Flood.MinEvents, 1),
			Consecutive: e.integer("DLQ_FLOOD_CONSECUTIVE", d.Flood.Consecutive, 0),
		},
		ProbeMin:    e.duration("CIRCUIT_PROBE_MIN_INTERVAL", d.ProbeMin, minProbeInterval),
		ProbeMax:    e.duration("CIRCUIT_PROBE_MAX_INTERVAL", d.ProbeMax, minProbeInterval),
		LagInterval: e.duration("LAG_INTERVAL", d.LagInterval, minLagInterval),
	}
	if g.Circuit.Consecutive == 0 {
		g.Circuit.Consecutive = -1 // CIRCUIT_FAILURE_THRESHOLD=0 turns the circuit off
	}
	if g.Flood.Consecutive == 0 {
		g.Flood.Consecutive = -1 // DLQ_FLOOD_CONSECUTIVE=0 turns the flood guard off
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

// adminAddr reads ADMIN_ADDR; "off" turns the admin listener off.
func adminAddr(e *env, def string) string {
	if strings.EqualFold(e.str("ADMIN_ADDR", def), "off") {
		return ""
	}
	return e.addr("ADMIN_ADDR", def)
}

// loopback reports whether a listen address is on the loopback interface only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ignoreContacts reads MATCH_IGNORE_CONTACTS and the file named by
// MATCH_IGNORE_CONTACTS_FILE; both may be set, and their entries add up. A
// bad entry is reported with the variable it came from.
func ignoreContacts(e *env) []string {
	list := checkContacts(e, "MATCH_IGNORE_CONTACTS", handlers.ParseContactList(e.str("MATCH_IGNORE_CONTACTS", "")))
	if file := e.str("MATCH_IGNORE_CONTACTS_FILE", ""); file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("MATCH_IGNORE_CONTACTS_FILE: cannot read the file: %w", errors.Unwrap(err)))
			return list
		}
		list = append(list, checkContacts(e, "MATCH_IGNORE_CONTACTS_FILE", handlers.ParseContactList(string(b)))...)
	}
	return list
}

// checkContacts reports every bad entry of list, naming the variable, and
// returns the good ones.
func checkContacts(e *env, name string, list []string) []string {
	var ok []string
	for _, c := range list {
		if err := handlers.CheckContact(c); err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		ok = append(ok, c)
	}
	return ok
}

// priorityRules reads PRIORITY_RULES (grammar: fairshare.ParsePriorityRules);
// unset, fairshare.DefaultPriorityRules.
func priorityRules(e *env) []fairshare.PriorityRule {
	v := e.str("PRIORITY_RULES", fairshare.DefaultPriorityRules)
	rules, err := fairshare.ParsePriorityRules(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("PRIORITY_RULES=%q: %w; want comma-separated field=value:level (fields leadType, eventType, department, topic, header.NAME; levels high, normal, low), header.NAME, or none", v, err))
	}
	return rules
}
