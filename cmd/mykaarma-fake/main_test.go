package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"github.com/leadworker/leadworker/examples"
	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma"
)

func TestParseConfig(t *testing.T) {
	t.Parallel()
	env := func(k string) string {
		return map[string]string{"FAKE_MYKAARMA_USERNAME": "u", "FAKE_MYKAARMA_PASSWORD": "p"}[k]
	}
	tests := []struct {
		name    string
		args    []string
		wantErr bool
	}{
		{"defaults", nil, false},
		{"all flags", []string{"-addr", ":0", "-fail-rate", "0.25", "-latency", "10ms", "-seed", "7"}, false},
		{"fail rate above 1", []string{"-fail-rate", "1.5"}, true},
		{"negative latency", []string{"-latency", "-1s"}, true},
		{"stray argument", []string{"extra"}, true},
		{"unknown flag", []string{"-nope"}, true},
		{"load examples", []string{"-load", "examples"}, false},
		{"load something else", []string{"-load", "prod"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := parseConfig(tt.args, env)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseConfig(%q) error = %v; want error %v", tt.args, err, tt.wantErr)
			}
			if err == nil && (cfg.username != "u" || cfg.password != "p") {
				t.Errorf("parseConfig credentials = %q/%q; want u/p from the environment", cfg.username, cfg.password)
			}
		})
	}
}

func TestRunServesAndStops(t *testing.T) {
	t.Parallel()
	log, hook := test.NewNullLogger()
	log.SetLevel(logrus.InfoLevel)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	env := func(k string) string { return map[string]string{"FAKE_MYKAARMA_PASSWORD": "from-env"}[k] }
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, env, log, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run returned early: %v", err)
	}
	base := "http://" + addr

	resp, err := http.Get(base + "/_fake/healthz")
	if err != nil {
		t.Fatalf("GET healthz: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "ok") {
		t.Errorf("healthz = %d %q; want 200 ok", resp.StatusCode, b)
	}

	c, err := mykaarma.New(base, mykaarma.Options{Username: "test-user", Password: "from-env", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	body := mykaarma.CustomerWithVehicles{Customer: mykaarma.Customer{LastName: "Doe"}}
	if _, err := c.CreateCustomer(ctx, "d1", &body); err != nil {
		t.Fatalf("CreateCustomer through the binary: %v", err)
	}

	// A hanging request must not hold up shutdown.
	resp, err = http.Post(base+"/_fake/faults", "application/json", strings.NewReader(`{"hang":true}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST fault = %v, %v; want 201", resp, err)
	}
	resp.Body.Close()
	hung := make(chan error, 1)
	go func() {
		_, err := c.SearchCustomers(context.Background(), "d1", "Doe", 1)
		hung <- err
	}()
	waitForHanging(t, base)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run() = %v; want nil after cancel", err)
	}
	if err := <-hung; err == nil {
		t.Errorf("hanging search returned no error")
	}
	found := false
	for _, e := range hook.AllEntries() {
		if e.Message == "request" && e.Data["path"] == "/customer/v2/department/d1/customer" {
			found = true
		}
	}
	if !found {
		t.Errorf("no access log entry for the create call")
	}
}

// waitForHanging polls /_fake/stats until one request hangs, or fails the test after 10s.
func waitForHanging(t *testing.T, base string) {
	t.Helper()
	testkit.WaitFor(t, 10*time.Second, "one request to hang (/_fake/stats)", func() bool {
		resp, err := http.Get(base + "/_fake/stats")
		if err != nil {
			t.Fatalf("GET stats: %v", err)
		}
		defer resp.Body.Close()
		var stats struct{ Hanging int }
		return json.NewDecoder(resp.Body).Decode(&stats) == nil && stats.Hanging == 1
	})
}

// TestHelpPrintsFlags: -h prints every flag on stdout and exits 0, not a
// JSON error and 1.
func TestHelpPrintsFlags(t *testing.T) {
	t.Parallel()
	log, hook := test.NewNullLogger()
	var out strings.Builder
	if code := realMain(context.Background(), []string{"-h"}, func(string) string { return "" }, &out, log); code != 0 {
		t.Errorf("realMain(-h) = %d; want 0", code)
	}
	for _, flag := range []string{"-addr", "-fail-rate", "-latency", "-seed", "-load"} {
		if !strings.Contains(out.String(), flag) {
			t.Errorf("-h output lacks %s:\n%s", flag, out.String())
		}
	}
	if len(hook.AllEntries()) != 0 {
		t.Errorf("-h logged %q; want only the usage on stdout", hook.LastEntry().Message)
	}
	if code := realMain(context.Background(), []string{"-nope"}, func(string) string { return "" }, io.Discard, log); code != 1 {
		t.Errorf("realMain(-nope) = %d; want 1", code)
	}
}

// TestLoadExamples: -load examples starts with the customers the samples
// match, so the examples' match rules work against the standalone fake.
func TestLoadExamples(t *testing.T) {
	t.Parallel()
	log, _ := test.NewNullLogger()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	env := func(k string) string {
		return map[string]string{"FAKE_MYKAARMA_USERNAME": "u", "FAKE_MYKAARMA_PASSWORD": "p"}[k]
	}
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-load", "examples"}, env, log, ready) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run() = %v", err)
		}
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run returned early: %v", err)
	}
	resp, err := http.Get("http://" + addr + "/_fake/customers?department=" + examples.Department)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got []mykaarma.CustomerWithVehicles
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	var names, want []string
	for _, c := range got {
		names = append(names, c.Customer.LastName)
	}
	for _, c := range examples.Customers() {
		want = append(want, c.Customer.LastName)
	}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("customers after -load examples = %v; want %v", names, want)
	}
}
