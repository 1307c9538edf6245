package integration

import (
	"net"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// composeFile is the part of docker-compose.yml the checks read.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image           string                      `yaml:"image"`
	Build           *composeBuild               `yaml:"build"`
	Command         []string                    `yaml:"command"`
	Entrypoint      []string                    `yaml:"entrypoint"`
	Environment     map[string]string           `yaml:"environment"`
	Ports           []string                    `yaml:"ports"`
	DependsOn       map[string]composeDependsOn `yaml:"depends_on"`
	Healthcheck     *composeHealthcheck         `yaml:"healthcheck"`
	StopGracePeriod string                      `yaml:"stop_grace_period"`
}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
	Target     string `yaml:"target"`
}

type composeDependsOn struct {
	Condition string `yaml:"condition"`
}

type composeHealthcheck struct {
	Test []string `yaml:"test"`
}

// workerEnvVars is every variable `leadworker run` reads (cmd/leadworker/config.go); any other
// LEADWORKER-service variable is a typo.
var workerEnvVars = []string{
	"KAFKA_BROKERS", "KAFKA_GROUP_ID", "KAFKA_INPUT_TOPICS", "KAFKA_RESULT_TOPIC", "KAFKA_DLQ_TOPIC",
	"MYKAARMA_BASE_URL", "MYKAARMA_USERNAME", "MYKAARMA_PASSWORD", "MYKAARMA_PASSWORD_FILE",
	"HTTP_ADDR", "LOG_LEVEL", "LOG_FORMAT", "MYKAARMA_TIMEOUT", "MYKAARMA_MAX_RESULTS", "MYKAARMA_RATE_LIMIT",
	"RETRY_INITIAL_INTERVAL", "RETRY_MAX_INTERVAL", "RETRY_MAX_ELAPSED",
	"MAX_IN_FLIGHT", "MAX_RECORD_BYTES", "DRAIN_TIMEOUT",
	"KAFKA_TLS", "KAFKA_TLS_CA_FILE", "KAFKA_TLS_CERT_FILE", "KAFKA_TLS_KEY_FILE", "KAFKA_TLS_INSECURE_SKIP_VERIFY",
	"KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD", "KAFKA_SASL_PASSWORD_FILE",
}

// workerRequiredVars must be set explicitly in compose: the required ones, and those whose
// defaults would be wrong in the compose network.
var workerRequiredVars = []string{
	"KAFKA_BROKERS", "KAFKA_GROUP_ID", "KAFKA_INPUT_TOPICS", "KAFKA_RESULT_TOPIC", "KAFKA_DLQ_TOPIC",
	"MYKAARMA_BASE_URL", "MYKAARMA_USERNAME", "HTTP_ADDR",
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("parse docker-compose.yml: %v", err)
	}
	return c
}

// TestComposeFile checks that docker-compose.yml's services agree with each other and with the
// worker's configuration contract: it cannot run here (no Docker), so this is what keeps it right.
func TestComposeFile(t *testing.T) {
	c := loadCompose(t)
	svc := func(name string) composeService {
		t.Helper()
		s, ok := c.Services[name]
		if !ok {
			t.Fatalf("service %q missing; have %v", name, keys(c.Services))
		}
		return s
	}
	kafkaSvc, initSvc, fakeSvc := svc("kafka"), svc("kafka-init"), svc("mykaarma-fake")

	var workers []string
	for name, s := range c.Services {
		if len(s.Command) > 0 && s.Command[0] == "leadworker" {
			workers = append(workers, name)
		}
	}
	sort.Strings(workers)
	if len(workers) < 2 {
		t.Fatalf("leadworker services = %v; want at least two replicas", workers)
	}

	// Images: Kafka and the topic job use one pinned official image; everything built from the
	// Dockerfile uses the same build and tag, and the target is a stage of the Dockerfile.
	if !strings.HasPrefix(kafkaSvc.Image, "apache/kafka:") || strings.HasSuffix(kafkaSvc.Image, ":latest") {
		t.Errorf("kafka image = %q; want a pinned apache/kafka:<version>", kafkaSvc.Image)
	}
	if initSvc.Image != kafkaSvc.Image {
		t.Errorf("kafka-init image = %q; want the broker's %q (it runs kafka-topics.sh from it)", initSvc.Image, kafkaSvc.Image)
	}
	dockerfile, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	built := append([]string{"mykaarma-fake"}, workers...)
	for _, name := range built {
		s := svc(name)
		switch {
		case s.Build == nil:
			t.Errorf("%s: no build; want the Dockerfile", name)
		case *s.Build != *fakeSvc.Build:
			t.Errorf("%s: build = %+v; want the same as mykaarma-fake's %+v", name, *s.Build, *fakeSvc.Build)
		case s.Image != fakeSvc.Image || s.Image == "":
			t.Errorf("%s: image = %q; want %q like mykaarma-fake", name, s.Image, fakeSvc.Image)
		}
	}
	if b := fakeSvc.Build; b != nil {
		if b.Context != "." || b.Dockerfile != "Dockerfile" {
			t.Errorf("build = %+v; want context . and Dockerfile", *b)
		}
		if !regexp.MustCompile(`(?mi)^FROM\s+\S+\s+AS\s+` + regexp.QuoteMeta(b.Target) + `\s*$`).Match(dockerfile) {
			t.Errorf("build target %q is not a stage of Dockerfile", b.Target)
		}
	}

	// The fake: MYKAARMA_BASE_URL reaches its listen port, with the credentials it accepts.
	fakeAddr := flagValue(fakeSvc.Command, "-addr")
	_, fakePort, err := net.SplitHostPort(fakeAddr)
	if err != nil || fakeSvc.Command[0] != "mykaarma-fake" {
		t.Errorf("mykaarma-fake command = %q; want mykaarma-fake -addr 0.0.0.0:<port>", fakeSvc.Command)
	}
	checkHealthURL(t, "mykaarma-fake", fakeSvc, fakePort, "/_fake/healthz")

	// Kafka: the advertised listener the workers use, and the topic job's commands.
	listeners := strings.Split(kafkaSvc.Environment["KAFKA_LISTENERS"], ",")
	advertised := strings.Split(kafkaSvc.Environment["KAFKA_ADVERTISED_LISTENERS"], ",")
	initCmd := strings.Join(append(initSvc.Entrypoint, initSvc.Command...), " ")
	if !strings.Contains(initCmd, "/opt/kafka/bin/kafka-topics.sh") {
		t.Errorf("kafka-init does not run /opt/kafka/bin/kafka-topics.sh: %q", initCmd)
	}
	created := map[string]bool{}
	for _, m := range regexp.MustCompile(`--topic\s+(\S+)`).FindAllStringSubmatch(initCmd, -1) {
		created[m[1]] = true
	}
	bootstraps := map[string]bool{}
	for _, m := range regexp.MustCompile(`--bootstrap-server\s+(\S+)`).FindAllStringSubmatch(initCmd, -1) {
		bootstraps[m[1]] = true
	}
	if d := initSvc.DependsOn["kafka"].Condition; d != "service_healthy" {
		t.Errorf("kafka-init depends_on kafka condition = %q; want service_healthy", d)
	}
	if kafkaSvc.Healthcheck == nil {
		t.Errorf("kafka has no healthcheck (kafka-init waits for it)")
	}

	var groups []string
	for _, name := range workers {
		s := svc(name)
		env := s.Environment
		for _, v := range workerRequiredVars {
			if strings.TrimSpace(env[v]) == "" {
				t.Errorf("%s: %s is not set", name, v)
			}
		}
		if (env["MYKAARMA_PASSWORD"] == "") == (env["MYKAARMA_PASSWORD_FILE"] == "") {
			t.Errorf("%s: set exactly one of MYKAARMA_PASSWORD and MYKAARMA_PASSWORD_FILE", name)
		}
		for k := range env {
			if !slices.Contains(workerEnvVars, k) {
				t.Errorf("%s: %s is not a variable leadworker reads", name, k)
			}
		}
		for _, k := range []string{"MYKAARMA_TIMEOUT", "RETRY_INITIAL_INTERVAL", "RETRY_MAX_INTERVAL", "RETRY_MAX_ELAPSED", "DRAIN_TIMEOUT"} {
			if v, ok := env[k]; ok {
				if d, err := time.ParseDuration(v); err != nil || d <= 0 {
					t.Errorf("%s: %s=%q is not a positive duration", name, k, v)
				}
			}
		}
		if f := env["LOG_FORMAT"]; f != "" && f != "json" && f != "text" {
			t.Errorf("%s: LOG_FORMAT=%q; want json or text", name, f)
		}
		groups = append(groups, env["KAFKA_GROUP_ID"])

		// myKaarma
		u, err := url.Parse(env["MYKAARMA_BASE_URL"])
		if err != nil || u.Hostname() != "mykaarma-fake" || u.Port() != fakePort {
			t.Errorf("%s: MYKAARMA_BASE_URL=%q; want http://mykaarma-fake:%s (the fake's -addr %s)", name, env["MYKAARMA_BASE_URL"], fakePort, fakeAddr)
		}
		if env["MYKAARMA_USERNAME"] != fakeSvc.Environment["FAKE_MYKAARMA_USERNAME"] || env["MYKAARMA_PASSWORD"] != fakeSvc.Environment["FAKE_MYKAARMA_PASSWORD"] {
			t.Errorf("%s: MYKAARMA_USERNAME/PASSWORD differ from the fake's FAKE_MYKAARMA_USERNAME/PASSWORD", name)
		}

		// Kafka
		for _, addr := range strings.Split(env["KAFKA_BROKERS"], ",") {
			host, port, err := net.SplitHostPort(strings.TrimSpace(addr))
			if err != nil || host != "kafka" {
				t.Errorf("%s: KAFKA_BROKERS entry %q; want kafka:<port>", name, addr)
				continue
			}
			if !advertisedOn(advertised, listeners, host, port) {
				t.Errorf("%s: KAFKA_BROKERS %s is not an advertised listener of kafka (%v) bound in KAFKA_LISTENERS (%v)", name, addr, advertised, listeners)
			}
			if !bootstraps[addr] {
				t.Errorf("kafka-init --bootstrap-server %v; want %s like %s", keys(bootstraps), addr, name)
			}
		}
		want := map[string]bool{env["KAFKA_RESULT_TOPIC"]: true, env["KAFKA_DLQ_TOPIC"]: true}
		for _, in := range strings.Split(env["KAFKA_INPUT_TOPICS"], ",") {
			want[strings.TrimSpace(in)] = true
		}
		for topic := range want {
			if !created[topic] {
				t.Errorf("%s uses topic %q, which kafka-init does not create (creates %v)", name, topic, keys(created))
			}
		}
		for topic := range created {
			if !want[topic] {
				t.Errorf("kafka-init creates %q, which %s does not use", topic, name)
			}
		}

		// Start order, health, shutdown.
		if d := s.DependsOn["kafka-init"].Condition; d != "service_completed_successfully" {
			t.Errorf("%s: depends_on kafka-init condition = %q; want service_completed_successfully", name, d)
		}
		if d := s.DependsOn["mykaarma-fake"].Condition; d != "service_healthy" {
			t.Errorf("%s: depends_on mykaarma-fake condition = %q; want service_healthy", name, d)
		}
		_, httpPort, err := net.SplitHostPort(env["HTTP_ADDR"])
		if err != nil {
			t.Errorf("%s: HTTP_ADDR=%q: %v", name, env["HTTP_ADDR"], err)
		}
		checkHealthURL(t, name, s, httpPort, "/healthz")
		grace, err := time.ParseDuration(s.StopGracePeriod)
		drain, derr := time.ParseDuration(env["DRAIN_TIMEOUT"])
		if derr != nil {
			drain = 15 * time.Second
		}
		if err != nil || grace <= drain {
			t.Errorf("%s: stop_grace_period %q; want more than DRAIN_TIMEOUT %v so a SIGTERM drain is not cut by SIGKILL", name, s.StopGracePeriod, drain)
		}
	}
	if g := slices.Compact(slices.Sorted(slices.Values(groups))); len(g) != 1 {
		t.Errorf("replicas use groups %v; want one consumer group", groups)
	}
	checkHostPorts(t, c)
}

// TestDockerfile checks the image recipe: a Go 1.26 builder, static binaries for both commands
// on PATH, a non-root final stage.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	d := string(b)
	for _, want := range []string{
		"FROM golang:1.26 AS build",
		"CGO_ENABLED=0",
		"./cmd/leadworker",
		"./cmd/mykaarma-fake",
		"/usr/local/bin/",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("Dockerfile does not contain %q", want)
		}
	}
	stages := regexp.MustCompile(`(?m)^FROM\s`).FindAllStringIndex(d, -1)
	final := d[stages[len(stages)-1][0]:]
	user := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindStringSubmatch(final)
	if user == nil || strings.HasPrefix(user[1], "root") || strings.HasPrefix(user[1], "0") {
		t.Errorf("final stage USER = %v; want a non-root user", user)
	}
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".git", ".cache"} {
		if !slices.Contains(strings.Fields(string(ignore)), want) {
			t.Errorf(".dockerignore does not exclude %s (the Kafka jar cache and history do not belong in the build context)", want)
		}
	}
}

// advertisedOn reports whether host:port is an advertised listener whose listener name is
// bound in listeners on the same port.
func advertisedOn(advertised, listeners []string, host, port string) bool {
	for _, a := range advertised {
		name, addr, ok := strings.Cut(strings.TrimSpace(a), "://")
		if !ok || addr != net.JoinHostPort(host, port) {
			continue
		}
		for _, l := range listeners {
			ln, laddr, ok := strings.Cut(strings.TrimSpace(l), "://")
			if _, lport, err := net.SplitHostPort(laddr); ok && err == nil && ln == name && lport == port {
				return true
			}
		}
	}
	return false
}

// checkHealthURL checks that s's healthcheck fetches path on port from inside the container.
func checkHealthURL(t *testing.T, name string, s composeService, port, path string) {
	t.Helper()
	if s.Healthcheck == nil || len(s.Healthcheck.Test) < 2 {
		t.Errorf("%s: no healthcheck", name)
		return
	}
	want := "http://127.0.0.1:" + port + path
	if !slices.Contains(s.Healthcheck.Test, want) {
		t.Errorf("%s: healthcheck %q; want it to fetch %s", name, s.Healthcheck.Test, want)
	}
}

// checkHostPorts fails t when two services publish the same host port.
func checkHostPorts(t *testing.T, c composeFile) {
	t.Helper()
	seen := map[string]string{}
	for name, s := range c.Services {
		for _, p := range s.Ports {
			host, _, ok := strings.Cut(p, ":")
			if !ok {
				continue
			}
			if other, dup := seen[host]; dup {
				t.Errorf("host port %s published by both %s and %s", host, other, name)
			}
			seen[host] = name
		}
	}
}

// flagValue returns the value after flag in args, or "".
func flagValue(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v
		}
	}
	return ""
}

func keys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// TestComposeConfig asks Docker Compose itself to validate the file, when it is installed (it
// needs no engine).
func TestComposeConfig(t *testing.T) {
	docker, err := exec.LookPath("docker")
	if err != nil || exec.Command(docker, "compose", "version").Run() != nil {
		t.Skip("docker compose is not installed; TestComposeFile covers the file's consistency")
	}
	c := exec.Command(docker, "compose", "-f", "../docker-compose.yml", "config", "--quiet")
	if out, err := c.CombinedOutput(); err != nil {
		t.Errorf("docker compose config: %v\n%s", err, out)
	}
}
