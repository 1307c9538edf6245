package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/fairshare"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/worker"
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
		c.LogFormat != "json" || c.MaxInFlight != 64 || c.MaxBuffered != 1000 || c.Bulk != (fairshare.BulkRule{Threshold: 500, Window: time.Minute, Share: 0.25}) || c.RetryMaxElapsed != 2*time.Minute || !c.AdaptiveConcurrency || c.RateLimit != 0 ||
		c.AdminAddr != "127.0.0.1:8081" || c.MaxBufferedBytes != 64<<20 || c.DLQWriteGiveUp != 10*time.Minute ||
		c.LeadUnknownOutcome != handlers.LeadUnknownRetry || !c.FairDispatch || c.PriorityMaxDefer != 30*time.Second ||
		len(c.PriorityRules) != 1 || c.PriorityRules[0] != (fairshare.PriorityRule{Field: "leadType", Value: "RECALL", Priority: fairshare.PriorityLow}) {
		t.Errorf("defaults = %+v", c)
	}
}

// TestRouteTopicFollowsTheGroup: unset, KAFKA_ROUTE_TOPIC is the group's
// own <KAFKA_GROUP_ID>.route, so that two deployments on one cluster never
// share one by default; set, it is taken as it is, the old shared name too.
func TestRouteTopicFollowsTheGroup(t *testing.T) {
	tests := []struct {
		name    string
		set     map[string]string
		want    string
		wantSet bool
	}{
		{name: "default group", want: "leadworker.route"},
		{name: "own group", set: map[string]string{"KAFKA_GROUP_ID": "staging"}, want: "staging.route"},
		{name: "set", set: map[string]string{"KAFKA_GROUP_ID": "staging", "KAFKA_ROUTE_TOPIC": "staging.routed"}, want: "staging.routed", wantSet: true},
		{name: "old default set explicitly", set: map[string]string{"KAFKA_GROUP_ID": "staging", "KAFKA_ROUTE_TOPIC": "leadworker.route"}, want: "leadworker.route", wantSet: true},
		{name: "blank is unset", set: map[string]string{"KAFKA_GROUP_ID": "prod", "KAFKA_ROUTE_TOPIC": " "}, want: "prod.route"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := minimalEnv()
			for k, v := range tt.set {
				env[k] = v
			}
			for _, load := range []func(func(string) (string, bool)) (worker.Config, error){loadConfig, kafkaConfig} {
				c, err := load(lookupFrom(env))
				if err != nil {
					t.Fatalf("config error = %v", err)
				}
				if c.RouteTopic != tt.want || c.RouteTopicSet != tt.wantSet {
					t.Errorf("RouteTopic, RouteTopicSet = %q, %v; want %q, %v", c.RouteTopic, c.RouteTopicSet, tt.want, tt.wantSet)
				}
				if group := c.GroupID; c.ParkedTopic != group+".parked" {
					t.Errorf("ParkedTopic = %q; want %q, following the group", c.ParkedTopic, group+".parked")
				}
			}
		})
	}
}

func TestLoadConfigErrorsNameTheVariable(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	spaceTokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(spaceTokenFile, []byte("tok \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badContactsFile := filepath.Join(dir, "contacts")
	if err := os.WriteFile(badContactsFile, []byte("# ours\n6505550000\n555-01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		set   map[string]string
		drop  []string
		want  string // "" = valid
		avoid string // the error must not say this
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
		{name: "bulk threshold follows a smaller read-ahead", set: map[string]string{"MAX_IN_FLIGHT": "8", "MAX_BUFFERED": "40"}},
		{name: "bulk threshold at read-ahead", set: map[string]string{"MAX_BUFFERED": "1000", "BULK_THRESHOLD": "1000"}, want: "BULK_THRESHOLD=1000"},
		{name: "bulk route off", set: map[string]string{"BULK_THRESHOLD": "0"}},
		{name: "bulk share zero", set: map[string]string{"BULK_SHARE": "0"}, want: "BULK_SHARE=0"},
		{name: "bulk share above one", set: map[string]string{"BULK_SHARE": "1.5"}, want: "BULK_SHARE=1.5"},
		{name: "bulk window too short", set: map[string]string{"BULK_WINDOW": "10ms"}, want: "BULK_WINDOW"},
		{name: "bulk topic is the route topic", set: map[string]string{"KAFKA_BULK_ROUTE_TOPIC": "leadworker.route"}, want: "KAFKA_BULK_ROUTE_TOPIC"},
		{name: "bad adaptive concurrency", set: map[string]string{"ADAPTIVE_CONCURRENCY": "sometimes"}, want: "ADAPTIVE_CONCURRENCY"},
		{name: "adaptive concurrency off", set: map[string]string{"ADAPTIVE_CONCURRENCY": "false"}},
		{name: "bad duration", set: map[string]string{"RETRY_MAX_ELAPSED": "soon"}, want: "RETRY_MAX_ELAPSED"},
		{name: "priority rules", set: map[string]string{"PRIORITY_RULES": "header.leadworker.priority, leadType=RECALL:low, topic=crm.bulk:low"}},
		{name: "no priority rules", set: map[string]string{"PRIORITY_RULES": "none"}},
		{name: "bad priority level", set: map[string]string{"PRIORITY_RULES": "leadType=RECALL:later"}, want: "PRIORITY_RULES"},
		{name: "bad priority field", set: map[string]string{"PRIORITY_RULES": "dealer=d-1:low"}, want: "PRIORITY_RULES"},
		{name: "bad priority max defer", set: map[string]string{"PRIORITY_MAX_DEFER": "0s"}, want: "PRIORITY_MAX_DEFER"},
		{name: "bad fair dispatch", set: map[string]string{"FAIR_DISPATCH": "mostly"}, want: "FAIR_DISPATCH"},
		{name: "fair dispatch off", set: map[string]string{"FAIR_DISPATCH": "false"}},
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

		// Values that parse and then misbehave.
		{name: "infinite rate limit", set: map[string]string{"MYKAARMA_RATE_LIMIT": "Inf"}, want: "MYKAARMA_RATE_LIMIT"},
		{name: "infinity rate limit", set: map[string]string{"MYKAARMA_RATE_LIMIT": "+infinity"}, want: "MYKAARMA_RATE_LIMIT"},
		{name: "NaN rate limit", set: map[string]string{"MYKAARMA_RATE_LIMIT": "NaN"}, want: "MYKAARMA_RATE_LIMIT"},
		{name: "huge rate limit", set: map[string]string{"MYKAARMA_RATE_LIMIT": "1e308"}, want: "MYKAARMA_RATE_LIMIT"},
		{name: "rate limit", set: map[string]string{"MYKAARMA_RATE_LIMIT": "12.5"}},
		{name: "NaN circuit ratio", set: map[string]string{"CIRCUIT_FAILURE_RATIO": "NaN"}, want: "CIRCUIT_FAILURE_RATIO"},
		{name: "NaN flood ratio", set: map[string]string{"DLQ_FLOOD_RATIO": "nan"}, want: "DLQ_FLOOD_RATIO"},
		{name: "nanosecond session", set: map[string]string{"KAFKA_SESSION_TIMEOUT": "1ns"}, want: "group.min.session.timeout.ms"},
		{name: "session below the brokers' minimum", set: map[string]string{"KAFKA_SESSION_TIMEOUT": "5999ms"}, want: "KAFKA_SESSION_TIMEOUT"},
		{name: "hour session", set: map[string]string{"KAFKA_SESSION_TIMEOUT": "1h"}, want: "group.max.session.timeout.ms"},
		{name: "longest session", set: map[string]string{"KAFKA_SESSION_TIMEOUT": "30m"}},
		{name: "nanosecond lag interval", set: map[string]string{"LAG_INTERVAL": "1ns"}, want: "LAG_INTERVAL"},
		{name: "lag interval below a second", set: map[string]string{"LAG_INTERVAL": "999ms"}, want: "LAG_INTERVAL"},
		{name: "lag interval", set: map[string]string{"LAG_INTERVAL": "1s"}},
		{name: "park after zero", set: map[string]string{"PARK_AFTER": "0s"}, want: "PARK_AFTER"},
		{name: "park after", set: map[string]string{"PARK_AFTER": "1ms"}},
		{name: "park max age below a minute", set: map[string]string{"PARK_MAX_AGE": "59s"}, want: "PARK_MAX_AGE"},
		{name: "park max age", set: map[string]string{"PARK_MAX_AGE": "240h"}},
		{name: "parked topic is an input", set: map[string]string{"KAFKA_PARKED_TOPIC": "crm.events"}, want: "KAFKA_PARKED_TOPIC"},
		{name: "parked topic is the route topic", set: map[string]string{"KAFKA_PARKED_TOPIC": "leadworker.route"}, want: "KAFKA_PARKED_TOPIC"},
		{name: "nanosecond commit delay", set: map[string]string{"COMMIT_DELAY": "1ns"}, want: "COMMIT_DELAY"},
		{name: "nanosecond drain", set: map[string]string{"DRAIN_TIMEOUT": "1ns"}, want: "DRAIN_TIMEOUT"},
		{name: "nanosecond circuit window", set: map[string]string{"CIRCUIT_WINDOW": "1ns"}, want: "CIRCUIT_WINDOW"},
		{name: "nanosecond probe", set: map[string]string{"CIRCUIT_PROBE_MIN_INTERVAL": "1ns"}, want: "CIRCUIT_PROBE_MIN_INTERVAL"},
		{name: "nanosecond probe cap", set: map[string]string{"CIRCUIT_PROBE_MIN_INTERVAL": "100ms", "CIRCUIT_PROBE_MAX_INTERVAL": "1ns"}, want: "CIRCUIT_PROBE_MAX_INTERVAL"},
		{name: "nanosecond call timeout", set: map[string]string{"MYKAARMA_TIMEOUT": "1ns"}, want: "MYKAARMA_TIMEOUT"},
		{name: "nanosecond first retry", set: map[string]string{"RETRY_INITIAL_INTERVAL": "1ns"}, want: "RETRY_INITIAL_INTERVAL"},
		{name: "nanosecond retry cap", set: map[string]string{"RETRY_MAX_INTERVAL": "1ns"}, want: "RETRY_MAX_INTERVAL"},
		{name: "retry cap below the first retry", set: map[string]string{"RETRY_INITIAL_INTERVAL": "2s", "RETRY_MAX_INTERVAL": "1s"}, want: "RETRY_MAX_INTERVAL"},
		{name: "the floors themselves", set: map[string]string{"MYKAARMA_TIMEOUT": "100ms", "RETRY_INITIAL_INTERVAL": "10ms", "RETRY_MAX_INTERVAL": "100ms",
			"COMMIT_DELAY": "10ms", "DRAIN_TIMEOUT": "1s", "CIRCUIT_WINDOW": "1s", "CIRCUIT_PROBE_MIN_INTERVAL": "100ms", "CIRCUIT_PROBE_MAX_INTERVAL": "100ms"}},
		{name: "broker without a port", set: map[string]string{"KAFKA_BROKERS": "127.0.0.1"}, want: "KAFKA_BROKERS"},
		{name: "second broker without a port", set: map[string]string{"KAFKA_BROKERS": "a:9092,b"}, want: `"b"`},
		{name: "broker with a named port", set: map[string]string{"KAFKA_BROKERS": "kafka:kafka"}, want: "KAFKA_BROKERS"},
		{name: "broker without a host", set: map[string]string{"KAFKA_BROKERS": ":9092"}, want: "KAFKA_BROKERS"},
		{name: "broker port out of range", set: map[string]string{"KAFKA_BROKERS": "kafka:65536"}, want: "KAFKA_BROKERS"},
		{name: "brokers", set: map[string]string{"KAFKA_BROKERS": "kafka-0.kafka:9092, [::1]:19092"}},
		{name: "http addr without a port", set: map[string]string{"HTTP_ADDR": "8080"}, want: "HTTP_ADDR"},
		{name: "http addr port out of range", set: map[string]string{"HTTP_ADDR": ":99999"}, want: "HTTP_ADDR"},
		{name: "http addr named port", set: map[string]string{"HTTP_ADDR": "localhost:http"}, want: "HTTP_ADDR"},
		{name: "http addr any port", set: map[string]string{"HTTP_ADDR": "127.0.0.1:0"}},
		{name: "admin addr without a port", set: map[string]string{"ADMIN_ADDR": "127.0.0.1"}, want: "ADMIN_ADDR"},
		{name: "bad ignored contact", set: map[string]string{"MATCH_IGNORE_CONTACTS": "6505550000, 555-01"}, want: "MATCH_IGNORE_CONTACTS: entry \"555-01\"", avoid: "Options"},
		{name: "bad ignored contact in the file", set: map[string]string{"MATCH_IGNORE_CONTACTS_FILE": badContactsFile}, want: "MATCH_IGNORE_CONTACTS_FILE: entry \"555-01\"", avoid: "Options"},
		{name: "token ending in a space", set: map[string]string{"ADMIN_TOKEN": "tok "}, want: "ADMIN_TOKEN"},
		{name: "token starting with a tab", set: map[string]string{"ADMIN_TOKEN": "\ttok"}, want: "ADMIN_TOKEN"},
		{name: "token with a control character", set: map[string]string{"ADMIN_TOKEN": "to\x00k"}, want: "ADMIN_TOKEN"},
		{name: "token file ending in a space", set: map[string]string{"ADMIN_TOKEN_FILE": spaceTokenFile}, want: "ADMIN_TOKEN"},
		{name: "whitespace token beyond loopback", set: map[string]string{"ADMIN_ADDR": ":8081", "ADMIN_TOKEN": " \t "}, want: "ADMIN_TOKEN"},
		{name: "token with an inner space", set: map[string]string{"ADMIN_ADDR": ":8081", "ADMIN_TOKEN": "two words"}},
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
			if tt.avoid != "" && strings.Contains(err.Error(), tt.avoid) {
				t.Errorf("loadConfig() error = %v; want no %q in it", err, tt.avoid)
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
	env["PRIORITY_RULES"] = "leadType=RECALL"
	if code := realMain([]string{"run"}, &bytes.Buffer{}, &stderr, lookupFrom(env)); code != 2 || !strings.Contains(stderr.String(), "PRIORITY_RULES") {
		t.Errorf("PRIORITY_RULES=leadType=RECALL: exit = %d, stderr = %q; want 2 and the variable named", code, stderr.String())
	}

	stderr.Reset()
	env = minimalEnv()
	env["OTEL_PROPAGATORS"] = "tracecontext,zipkin"
	if code := realMain([]string{"run"}, &bytes.Buffer{}, &stderr, lookupFrom(env)); code != 2 || !strings.Contains(stderr.String(), "zipkin") {
		t.Errorf("OTEL_PROPAGATORS=tracecontext,zipkin: exit = %d, stderr = %q; want 2 and the unknown name", code, stderr.String())
	}
}
