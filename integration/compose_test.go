package integration

import (
	"context"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
)

// loadCompose loads docker-compose.yml (and overrides, in order) with compose-go, the loader
// Docker Compose v2 uses: interpolation, YAML anchors and merge keys, and the Compose schema.
func loadCompose(t *testing.T, files ...string) *types.Project {
	t.Helper()
	return loadComposeEnv(t, nil, files...)
}

// loadComposeEnv is loadCompose with env as the environment Compose interpolates from.
func loadComposeEnv(t *testing.T, env map[string]string, files ...string) *types.Project {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var cfgs []types.ConfigFile
	for _, f := range append([]string{"docker-compose.yml"}, files...) {
		cfgs = append(cfgs, types.ConfigFile{Filename: filepath.Join(dir, f)})
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{WorkingDir: dir, ConfigFiles: cfgs, Environment: env},
		func(o *loader.Options) { o.SetProjectName("leadworker", true) })
	if err != nil {
		t.Fatalf("compose-go: load %v: %v", files, err)
	}
	return p
}

// env returns a service's environment as plain strings.
func env(s types.ServiceConfig) map[string]string {
	m := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			m[k] = *v
		}
	}
	return m
}

// workerRequiredVars must be set explicitly in compose: the required ones, and those whose
// defaults would be wrong in the compose network.
var workerRequiredVars = []string{
	"KAFKA_BROKERS", "KAFKA_GROUP_ID", "KAFKA_INPUT_TOPICS", "KAFKA_RESULT_TOPIC", "KAFKA_DLQ_TOPIC",
	"MYKAARMA_BASE_URL", "MYKAARMA_USERNAME", "HTTP_ADDR",
}

// readmeVariables returns every upper-case `NAME` in the README's configuration table.
func readmeVariables(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n### Configuration\n")
	if !ok {
		t.Fatal("README.md has no ### Configuration section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	vars := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		for _, m := range regexp.MustCompile("`([A-Z][A-Z0-9_]+)`").FindAllStringSubmatch(line, -1) {
			vars[m[1]] = true
		}
	}
	if len(vars) < 20 {
		t.Fatalf("found %d variables in README's configuration table; the table moved?", len(vars))
	}
	return vars
}

// TestComposeTopLevel checks what compose-go accepts but Compose v1.29 (`docker-compose config`)
// rejects: a top-level name.
func TestComposeTopLevel(t *testing.T) {
	b, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if err := yaml.Unmarshal(b, &top); err != nil {
		t.Fatalf("parse docker-compose.yml: %v", err)
	}
	for k := range top {
		if k != "services" && k != "networks" && k != "volumes" && !strings.HasPrefix(k, "x-") {
			t.Errorf("top-level key %q; docker-compose 1.29 accepts only services, networks, volumes and x-*", k)
		}
	}
}

// TestComposeFile checks that docker-compose.yml's services agree with each other, with the
// images and with the worker's configuration contract. integration/compose_e2e_test.go runs it.
func TestComposeFile(t *testing.T) {
	p := loadCompose(t)
	svc := func(name string) types.ServiceConfig {
		t.Helper()
		s, ok := p.Services[name]
		if !ok {
			t.Fatalf("service %q missing; have %v", name, p.ServiceNames())
		}
		return s
	}
	var workers, inits []string
	for name, s := range p.Services {
		switch {
		case slices.Equal(s.Command, []string{"leadworker", "run"}):
			workers = append(workers, name)
		case len(s.Command) >= 3 && slices.Equal(s.Command[:3], []string{"leadworker", "topics", "create"}):
			inits = append(inits, name)
		}
	}
	sort.Strings(workers)
	if len(workers) < 2 {
		t.Fatalf("leadworker run services = %v; want at least two replicas", workers)
	}
	if len(inits) != 1 {
		t.Fatalf("leadworker topics create services = %v; want one one-shot", inits)
	}
	kafkaSvc, initSvc, fakeSvc := svc("kafka"), svc(inits[0]), svc("mykaarma-fake")
	readme := readmeVariables(t)

	// Nothing depends on the insides of one Kafka image.
	for name, s := range p.Services {
		all := strings.Join(slices.Concat(s.Entrypoint, s.Command), " ")
		if s.HealthCheck != nil {
			all += " " + strings.Join(s.HealthCheck.Test, " ")
		}
		if strings.Contains(all, "/opt/kafka") || strings.Contains(all, "kafka-topics") {
			t.Errorf("%s runs %q: Kafka image internals; use leadworker topics create or a port check", name, all)
		}
	}

	// Images: everything built from the Dockerfile names a local image of a Dockerfile stage.
	dockerfile, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range append([]string{"mykaarma-fake", inits[0]}, workers...) {
		s := svc(name)
		if s.Build == nil {
			t.Errorf("%s: no build; want the Dockerfile", name)
			continue
		}
		if filepath.Base(s.Build.Dockerfile) != "Dockerfile" {
			t.Errorf("%s: build.dockerfile = %q; want Dockerfile", name, s.Build.Dockerfile)
		}
		if !regexp.MustCompile(`(?mi)^FROM\s+\S+\s+AS\s+` + regexp.QuoteMeta(s.Build.Target) + `\s*$`).Match(dockerfile) {
			t.Errorf("%s: build target %q is not a stage of Dockerfile", name, s.Build.Target)
		}
		if !strings.HasPrefix(s.Image, "localhost/") {
			t.Errorf("%s: image = %q; want localhost/<name>:<tag>, the name scripts/images.sh builds (and never a pull)", name, s.Image)
		}
		if !s.ReadOnly {
			t.Errorf("%s: read_only is not set; the image needs no writable root", name)
		}
	}
	for _, name := range append([]string{inits[0]}, workers[1:]...) {
		if s := svc(name); s.Image != svc(workers[0]).Image || s.Build.Target != "runtime" {
			t.Errorf("%s: image %q target %q; want %q target runtime like %s", name, s.Image, s.Build.Target, svc(workers[0]).Image, workers[0])
		}
	}

	// The fake: MYKAARMA_BASE_URL reaches its listen port, with the credentials it accepts.
	fakeAddr := flagValue(fakeSvc.Command, "-addr")
	_, fakePort, err := net.SplitHostPort(fakeAddr)
	if err != nil || fakeSvc.Command[0] != "mykaarma-fake" {
		t.Errorf("mykaarma-fake command = %q; want mykaarma-fake -addr 0.0.0.0:<port>", fakeSvc.Command)
	}
	fakeEnv := env(fakeSvc)
	t.Run("fake seeded", func(t *testing.T) {
		if flagValue(fakeSvc.Command, "-load") != "examples" {
			t.Errorf("mykaarma-fake command = %q; want -load examples (the customers the examples match)", fakeSvc.Command)
		}
	})

	// Kafka: a health check the topic job waits on; the advertised listener the workers use.
	listeners := strings.Split(env(kafkaSvc)["KAFKA_LISTENERS"], ",")
	advertised := strings.Split(env(kafkaSvc)["KAFKA_ADVERTISED_LISTENERS"], ",")
	if kafkaSvc.HealthCheck == nil || len(kafkaSvc.HealthCheck.Test) == 0 {
		t.Errorf("kafka has no healthcheck (%s waits for it)", inits[0])
	}
	if c := initSvc.DependsOn["kafka"].Condition; c != types.ServiceConditionHealthy {
		t.Errorf("%s depends_on kafka condition = %q; want %s", inits[0], c, types.ServiceConditionHealthy)
	}
	if initSvc.Restart != types.RestartPolicyOnFailure {
		t.Errorf("%s restart = %q; want on-failure (Compose tools that ignore depends_on conditions start it before the broker answers)", inits[0], initSvc.Restart)
	}

	var groups []string
	workerEnv := env(svc(workers[0]))
	if e := env(initSvc); !maps.Equal(e, workerEnv) {
		t.Errorf("%s environment differs from %s's: it must create exactly the topics the replicas use", inits[0], workers[0])
	}
	for _, name := range append([]string{inits[0]}, workers...) {
		for k := range env(svc(name)) {
			if !readme[k] {
				t.Errorf("%s: %s is not in README's configuration table", name, k)
			}
		}
	}
	for _, name := range workers {
		s := svc(name)
		e := env(s)
		for _, v := range workerRequiredVars {
			if strings.TrimSpace(e[v]) == "" {
				t.Errorf("%s: %s is not set", name, v)
			}
		}
		if (e["MYKAARMA_PASSWORD"] == "") == (e["MYKAARMA_PASSWORD_FILE"] == "") {
			t.Errorf("%s: set exactly one of MYKAARMA_PASSWORD and MYKAARMA_PASSWORD_FILE", name)
		}
		for _, k := range []string{"MYKAARMA_TIMEOUT", "RETRY_INITIAL_INTERVAL", "RETRY_MAX_INTERVAL", "RETRY_MAX_ELAPSED", "DRAIN_TIMEOUT"} {
			if v, ok := e[k]; ok {
				if d, err := time.ParseDuration(v); err != nil || d <= 0 {
					t.Errorf("%s: %s=%q is not a positive duration", name, k, v)
				}
			}
		}
		groups = append(groups, e["KAFKA_GROUP_ID"])

		u, err := url.Parse(e["MYKAARMA_BASE_URL"])
		if err != nil || u.Hostname() != "mykaarma-fake" || u.Port() != fakePort {
			t.Errorf("%s: MYKAARMA_BASE_URL=%q; want http://mykaarma-fake:%s (the fake's -addr %s)", name, e["MYKAARMA_BASE_URL"], fakePort, fakeAddr)
		}
		if e["MYKAARMA_USERNAME"] != fakeEnv["FAKE_MYKAARMA_USERNAME"] || e["MYKAARMA_PASSWORD"] != fakeEnv["FAKE_MYKAARMA_PASSWORD"] {
			t.Errorf("%s: MYKAARMA_USERNAME/PASSWORD differ from the fake's FAKE_MYKAARMA_USERNAME/PASSWORD", name)
		}
		for _, addr := range strings.Split(e["KAFKA_BROKERS"], ",") {
			host, port, err := net.SplitHostPort(strings.TrimSpace(addr))
			if err != nil || host != "kafka" {
				t.Errorf("%s: KAFKA_BROKERS entry %q; want kafka:<port>", name, addr)
				continue
			}
			if !advertisedOn(advertised, listeners, host, port) {
				t.Errorf("%s: KAFKA_BROKERS %s is not an advertised listener of kafka (%v) bound in KAFKA_LISTENERS (%v)", name, addr, advertised, listeners)
			}
		}

		// Start order, health, shutdown.
		if c := s.DependsOn[inits[0]].Condition; c != types.ServiceConditionCompletedSuccessfully {
			t.Errorf("%s: depends_on %s condition = %q; want %s", name, inits[0], c, types.ServiceConditionCompletedSuccessfully)
		}
		if _, ok := s.DependsOn["mykaarma-fake"]; !ok {
			t.Errorf("%s: does not depend on mykaarma-fake", name)
		}
		if s.HealthCheck == nil || !slices.Equal(s.HealthCheck.Test, []string{"CMD", "leadworker", "probe", "ready"}) {
			t.Errorf("%s: healthcheck %v; want [CMD leadworker probe ready] (/readyz on HTTP_ADDR; the image has no wget or curl)", name, s.HealthCheck)
		}
		if _, _, err := net.SplitHostPort(e["HTTP_ADDR"]); err != nil {
			t.Errorf("%s: HTTP_ADDR=%q: %v", name, e["HTTP_ADDR"], err)
		}
		drain, err := time.ParseDuration(e["DRAIN_TIMEOUT"])
		if err != nil {
			drain = 15 * time.Second
		}
		if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) <= drain {
			t.Errorf("%s: stop_grace_period %v; want more than DRAIN_TIMEOUT %v so a SIGTERM drain is not cut by SIGKILL", name, s.StopGracePeriod, drain)
		}
	}
	if g := slices.Compact(slices.Sorted(slices.Values(groups))); len(g) != 1 {
		t.Errorf("replicas use groups %v; want one consumer group", groups)
	}
	checkHostPorts(t, p)
}

// composePortVars are the variables docker-compose.yml takes its host ports from, with today's
// defaults, and the container port each publishes.
var composePortVars = []struct{ name, service, def, container string }{
	{"LEADWORKER_KAFKA_PORT", "kafka", "29092", "29092"},
	{"LEADWORKER_FAKE_PORT", "mykaarma-fake", "8089", "8089"},
	{"LEADWORKER_1_PORT", "leadworker-1", "8081", "8080"},
	{"LEADWORKER_2_PORT", "leadworker-2", "8082", "8080"},
}

// TestComposeHostPortsFromVariables: every host port comes from a variable, with today's value as
// its default; the Kafka listener for the host is advertised on the port published; and
// scripts/compose-ports.sh checks the same variables with the same defaults.
func TestComposeHostPortsFromVariables(t *testing.T) {
	script, err := os.ReadFile("../scripts/compose-ports.sh")
	if err != nil {
		t.Fatal(err)
	}
	custom := map[string]string{}
	for i, v := range composePortVars {
		custom[v.name] = strconv.Itoa(41000 + i)
		if !strings.Contains(string(script), "["+v.name+"]="+v.def) {
			t.Errorf("scripts/compose-ports.sh does not check %s with default %s", v.name, v.def)
		}
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{{"defaults", nil}, {"set", custom}} {
		t.Run(tc.name, func(t *testing.T) {
			p := loadComposeEnv(t, tc.env)
			published := 0
			for _, s := range p.Services {
				published += len(s.Ports)
			}
			if published != len(composePortVars) {
				t.Errorf("%d host ports published; want %d, each from a variable", published, len(composePortVars))
			}
			for _, v := range composePortVars {
				want := v.def
				if tc.env != nil {
					want = tc.env[v.name]
				}
				s := p.Services[v.service]
				if len(s.Ports) != 1 || s.Ports[0].Published != want || strconv.Itoa(int(s.Ports[0].Target)) != v.container {
					t.Errorf("%s publishes %+v; want host port %s (%s) to %s", v.service, s.Ports, want, v.name, v.container)
				}
				if v.service == "kafka" {
					if adv := env(s)["KAFKA_ADVERTISED_LISTENERS"]; !strings.Contains(adv, "://localhost:"+want) {
						t.Errorf("kafka advertises %s; want the host listener on localhost:%s, the published port", adv, want)
					}
				}
			}
		})
	}
}

// TestComposeLocalOverride checks the override CI uses: it only swaps pulled images for local ones.
func TestComposeLocalOverride(t *testing.T) {
	base := loadCompose(t)
	local := loadCompose(t, "scripts/compose/local-kafka.yml")
	for name, s := range local.Services {
		b := base.Services[name]
		if !strings.HasPrefix(s.Image, "localhost/") && s.Build == nil {
			t.Errorf("%s: image %q with the override; want a local image", name, s.Image)
		}
		s.Image, b.Image = "", ""
		if !slices.Equal(s.Command, b.Command) || !maps.Equal(env(s), env(b)) {
			t.Errorf("%s: the override changes more than the image", name)
		}
	}
}

// TestDockerfile checks the image recipe: a Go 1.26 builder, static binaries for both commands
// on PATH, a scratch runtime with CA certificates and a non-root user, and runtime stages that
// take from `build` only what scripts/images.sh's stand-in build stage has.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	d := string(b)
	for _, want := range []string{
		"FROM golang:1.26 AS build",
		"CGO_ENABLED=0",
		// The image's leadworker leaves demo, bench and the sandbox out.
		"go build -trimpath -tags nosandbox ",
		"./cmd/leadworker",
		"./cmd/mykaarma-fake",
		"FROM scratch AS runtime",
		"/etc/ssl/certs/ca-certificates.crt",
		"/usr/local/bin/",
		"FROM runtime AS mykaarma-fake",
		// The context has no .git: leadworker version learns version and commit from arguments.
		"ARG VERSION",
		"ARG COMMIT",
		"-X main.version=${VERSION} -X main.commit=${COMMIT}",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("Dockerfile does not contain %q", want)
		}
	}
	images, err := os.ReadFile("../scripts/images.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`go build -tags nosandbox -ldflags="-s -w -X main.version=$version -X main.commit=$commit"`, `--build-arg VERSION="$version" --build-arg COMMIT="$commit"`} {
		if !strings.Contains(string(images), want) {
			t.Errorf("scripts/images.sh does not contain %q", want)
		}
	}
	version, err := os.ReadFile("../cmd/leadworker/version.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(version), "var version, commit string") {
		t.Error("cmd/leadworker/version.go has no `var version, commit string` for -X main.version and main.commit")
	}
	_, runtime, _ := strings.Cut(d, "FROM scratch AS runtime")
	user := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindStringSubmatch(runtime)
	if user == nil || !regexp.MustCompile(`^[1-9][0-9]*(:[1-9][0-9]*)?$`).MatchString(user[1]) {
		t.Errorf("runtime stage USER = %v; want a numeric non-root uid (scratch has no /etc/passwd)", user)
	}
	for _, m := range regexp.MustCompile(`(?m)^COPY\s+--from=build\s+(.*)$`).FindAllStringSubmatch(runtime, -1) {
		srcs := strings.Fields(m[1])
		for _, src := range srcs[:len(srcs)-1] {
			if !strings.HasPrefix(src, "/out/") && src != "/etc/ssl/certs/ca-certificates.crt" {
				t.Errorf("runtime stages copy %s from build; scripts/images.sh provides only /out/* and the CA bundle", src)
			}
		}
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

// checkHostPorts fails t when two services publish the same host port.
func checkHostPorts(t *testing.T, p *types.Project) {
	t.Helper()
	seen := map[string]string{}
	for name, s := range p.Services {
		for _, port := range s.Ports {
			if port.Published == "" {
				continue
			}
			if other, dup := seen[port.Published]; dup {
				t.Errorf("host port %s published by both %s and %s", port.Published, other, name)
			}
			seen[port.Published] = name
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

// TestComposeConfig asks Docker Compose itself to validate the file, with each Compose that is
// installed (neither needs an engine): v2 (`docker compose`) and v1.29 (`docker-compose`, which
// rejects a top-level name).
func TestComposeConfig(t *testing.T) {
	var ran int
	if docker, err := exec.LookPath("docker"); err == nil && exec.Command(docker, "compose", "version").Run() == nil {
		ran++
		c := exec.Command(docker, "compose", "-f", "../docker-compose.yml", "config", "--quiet")
		if out, err := c.CombinedOutput(); err != nil {
			t.Errorf("docker compose config: %v\n%s", err, out)
		}
	}
	if v1, err := exec.LookPath("docker-compose"); err == nil {
		ran++
		c := exec.Command(v1, "-f", "../docker-compose.yml", "-f", "../scripts/compose/local-kafka.yml", "config", "--quiet")
		if out, err := c.CombinedOutput(); err != nil {
			t.Errorf("docker-compose config: %v\n%s", err, out)
		}
	}
	if ran == 0 {
		t.Skip("neither docker compose nor docker-compose is installed; TestComposeFile loads the file with compose-go")
	}
}
