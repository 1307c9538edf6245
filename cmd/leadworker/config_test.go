package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/handlers"
)

func lookupFrom(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func minimalEnv() map[string]string {
	return map[string]string{"KAFKA_BROKERS": "127.0.0.1:9092", "MYKAARMA_USERNAME": "svc", "MYKAARMA_PASSWORD": "s3cret-pw"}
}

func TestLoadConfigDefaults(t *testing.T) {
	c, err := loadConfig(lookupFrom(minimalEnv()))
	if err != nil {
		t.Fatalf("loadConfig() error = %v", err)
	}
	if c.GroupID != "leadworker" || c.InputTopics[0] != "crm.events" || c.ResultTopic != "leadworker.results" ||
		c.DLQTopic != "leadworker.dlq" || c.BaseURL != "https://api.mykaarma.com" || c.HTTPAddr != ":8080" ||
		c.LogFormat != "json" || c.MaxInFlight != 64 || c.MaxBuffered != 128 || c.RetryMaxElapsed != 2*time.Minute || !c.AdaptiveConcurrency || c.RateLimit != 0 ||
		c.AdminAddr != "127.0.0.1:8081" || c.MaxBufferedBytes != 64<<20 || c.DLQWriteGiveUp != 10*time.Minute ||
		c.LeadUnknownOutcome != handlers.LeadUnknownRetry {
		t.Errorf("defaults = %+v", c)
	}
}

func TestLoadConfigErrorsNameTheVariable(t *testing.T) {
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		set  map[string]string
		drop []string
		want string // "" = valid
	}{
		{name: "no brokers", drop: []string{"KAFKA_BROKERS"}, want: "KAFKA_BROKERS"},
		{name: "no username", drop: []string{"MYKAARMA_USERNAME"}, want: "MYKAARMA_USERNAME"},
		{name: "no password", drop: []string{"MYKAARMA_PASSWORD"}, want: "MYKAARMA_PASSWORD"},
		{name: "password file", drop: []string{"MYKAARMA_PASSWORD"}, set: map[string]string{"MYKAARMA_PASSWORD_FILE": pwFile}},
		{name: "missing password file", drop: []string{"MYKAARMA_PASSWORD"}, set: map[string]string{"MYKAARMA_PASSWORD_FILE": "/nonexistent/pw"}, want: "MYKAARMA_PASSWORD_FILE"},
		{name: "both password forms", set: map[string]string{"MYKAARMA_PASSWORD_FILE": pwFile}, want: "not both"},
		{name: "bad in-flight", set: map[string]string{"MAX_IN_FLIGHT": "many"}, want: "MAX_IN_FLIGHT"},
		{name: "zero in-flight", set: map[string]string{"MAX_IN_FLIGHT": "0"}, want: "MAX_IN_FLIGHT"},
		{name: "buffered below in-flight", set: map[string]string{"MAX_IN_FLIGHT": "32", "MAX_BUFFERED": "16"}, want: "MAX_BUFFERED=16"},
		{name: "buffered set", set: map[string]string{"MAX_IN_FLIGHT": "32", "MAX_BUFFERED": "1000"}},
		{name: "bad buffered", set: map[string]string{"MAX_BUFFERED": "0"}, want: "MAX_BUFFERED"},
		{name: "bad adaptive concurrency", set: map[string]string{"ADAPTIVE_CONCURRENCY": "sometimes"}, want: "ADAPTIVE_CONCURRENCY"},
		{name: "adaptive concurrency off", set: map[string]string{"ADAPTIVE_CONCURRENCY": "false"}},
		{name: "bad duration", set: map[string]string{"RETRY_MAX_ELAPSED": "soon"}, want: "RETRY_MAX_ELAPSED"},
		{name: "bad log format", set: map[string]string{"LOG_FORMAT": "xml"}, want: "LOG_FORMAT"},
		{name: "bad log level", set: map[string]string{"LOG_LEVEL": "loud"}, want: "LOG_LEVEL"},
		{name: "url with credentials", set: map[string]string{"MYKAARMA_BASE_URL": "https://u:p@api.example.com"}, want: "MYKAARMA_BASE_URL"},
		{name: "ftp url", set: map[string]string{"MYKAARMA_BASE_URL": "ftp://api.example.com"}, want: "MYKAARMA_BASE_URL"},
		{name: "input is output", set: map[string]string{"KAFKA_INPUT_TOPICS": "a,leadworker.dlq"}, want: "KAFKA_INPUT_TOPICS"},
		{name: "sasl without password", set: map[string]string{"KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": "u"}, want: "KAFKA_SASL_MECHANISM"},
		{name: "bad sasl mechanism", set: map[string]string{"KAFKA_SASL_MECHANISM": "GSSAPI"}, want: "KAFKA_SASL_MECHANISM"},
		{name: "drain too long", set: map[string]string{"DRAIN_TIMEOUT": "45s"}, want: "DRAIN_TIMEOUT"},
		{name: "max results over 100", set: map[string]string{"MYKAARMA_MAX_RESULTS": "500"}, want: "MYKAARMA_MAX_RESULTS"},
		{name: "admin on every interface without a token", set: map[string]string{"ADMIN_ADDR": ":8081"}, want: "ADMIN_ADDR"},
		{name: "admin on every interface with a token", set: map[string]string{"ADMIN_ADDR": ":8081", "ADMIN_TOKEN": "t"}},
		{name: "admin on loopback", set: map[string]string{"ADMIN_ADDR": "localhost:9"}},
		{name: "admin off", set: map[string]string{"ADMIN_ADDR": "off"}},
		{name: "bad buffered bytes", set: map[string]string{"MAX_BUFFERED_BYTES": "lots"}, want: "MAX_BUFFERED_BYTES"},
		{name: "ignore list", set: map[string]string{"MATCH_IGNORE_CONTACTS": "6505550000, noreply@dealer.example", "MATCH_REQUIRE_FIRST_NAME": "true"}},
		{name: "missing ignore file", set: map[string]string{"MATCH_IGNORE_CONTACTS_FILE": "/nonexistent/list"}, want: "MATCH_IGNORE_CONTACTS_FILE"},
		{name: "bad first-name switch", set: map[string]string{"MATCH_REQUIRE_FIRST_NAME": "maybe"}, want: "MATCH_REQUIRE_FIRST_NAME"},
		{name: "bad session timeout", set: map[string]string{"KAFKA_SESSION_TIMEOUT": "a while"}, want: "KAFKA_SESSION_TIMEOUT"},
		{name: "short session", set: map[string]string{"KAFKA_SESSION_TIMEOUT": "6s"}},
		{name: "bad give-up", set: map[string]string{"DLQ_WRITE_GIVE_UP": "never"}, want: "DLQ_WRITE_GIVE_UP"},
		{name: "lead outcome dead-letter", set: map[string]string{"LEAD_UNKNOWN_OUTCOME": "dead-letter"}},
		{name: "lead outcome retry", set: map[string]string{"LEAD_UNKNOWN_OUTCOME": "retry"}},
		{name: "bad lead outcome", set: map[string]string{"LEAD_UNKNOWN_OUTCOME": "drop"}, want: "LEAD_UNKNOWN_OUTCOME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := minimalEnv()
			for _, k := range tt.drop {
				delete(env, k)
			}
			for k, v := range tt.set {
				env[k] = v
			}
			c, err := loadConfig(lookupFrom(env))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("loadConfig() error = %v; want nil", err)
				}
				if tt.name == "password file" && c.Password != "from-file" {
					t.Errorf("password from file = %q; want %q", c.Password, "from-file")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("loadConfig() error = %v; want it to name %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret-pw") {
				t.Errorf("error %q contains the password", err)
			}
		})
	}
}

func TestRunWithBadConfigExits2(t *testing.T) {
	var stderr bytes.Buffer
	env := minimalEnv()
	env["MAX_IN_FLIGHT"] = "-3"
	code := realMain([]string{"run"}, &bytes.Buffer{}, &stderr, lookupFrom(env))
	if code != 2 {
		t.Errorf("exit = %d; want 2", code)
	}
	if !strings.Contains(stderr.String(), "MAX_IN_FLIGHT") || strings.Contains(stderr.String(), "s3cret-pw") {
		t.Errorf("stderr = %q; want the variable named and no password", stderr.String())
	}
	if code := realMain([]string{"nope"}, &bytes.Buffer{}, &bytes.Buffer{}, lookupFrom(env)); code != 2 {
		t.Errorf("unknown command exit = %d; want 2", code)
	}

	stderr.Reset()
	env = minimalEnv()
	env["OTEL_PROPAGATORS"] = "tracecontext,zipkin"
	if code := realMain([]string{"run"}, &bytes.Buffer{}, &stderr, lookupFrom(env)); code != 2 || !strings.Contains(stderr.String(), "zipkin") {
		t.Errorf("OTEL_PROPAGATORS=tracecontext,zipkin: exit = %d, stderr = %q; want 2 and the unknown name", code, stderr.String())
	}
}
