package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadworker/leadworker/examples"
	"github.com/leadworker/leadworker/internal/testkit"
)

// The compose end-to-end test runs docker-compose.yml as users run it, with the images
// scripts/images.sh builds, and checks it from the host: every container starts, both replicas
// become ready, every health check of the file passes, the topics exist, `leadworker produce` and
// `leadworker tail` (the README's commands) send the examples and show each answered, and
// stopping one replica loses nothing.
//
//	LEADWORKER_IT_COMPOSE=1   run it
//
// It takes the host ports of docker-compose.yml's variables (LEADWORKER_KAFKA_PORT and the others,
// see composePorts), and fails at once, naming them, when one is taken:
// `eval "$(scripts/compose-ports.sh pick)"` first picks free ones, as scripts/containers-ci.sh does.
//
// It uses podman-compose (1.1 or later: older ones run health checks through /bin/sh) where
// podman is installed, else `docker compose`, with scripts/compose/local-kafka.yml over the file
// (the local Kafka image for apache/kafka).
const (
	composeProject  = "leadworker-it"
	composeOverride = "scripts/compose/local-kafka.yml"
)

// composeServices are docker-compose.yml's services, in start order.
var composeServices = []string{"kafka", "kafka-init", "mykaarma-fake", "leadworker-1", "leadworker-2"}

// composePorts are the host ports docker-compose.yml publishes: each variable's value, else its
// default there.
type composePorts struct{ kafka, fake, worker1, worker2 string }

func hostPorts() composePorts {
	get := func(name, def string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return def
	}
	return composePorts{
		kafka:   get("LEADWORKER_KAFKA_PORT", "29092"),
		fake:    get("LEADWORKER_FAKE_PORT", "8089"),
		worker1: get("LEADWORKER_1_PORT", "8081"),
		worker2: get("LEADWORKER_2_PORT", "8082"),
	}
}

// taken returns the host ports of p that something listens on, with their variables.
func (p composePorts) taken() []string {
	var out []string
	for name, port := range map[string]string{"LEADWORKER_KAFKA_PORT": p.kafka, "LEADWORKER_FAKE_PORT": p.fake,
		"LEADWORKER_1_PORT": p.worker1, "LEADWORKER_2_PORT": p.worker2} {
		if ln, err := net.Listen("tcp", ":"+port); err != nil {
			out = append(out, name+"="+port)
		} else {
			ln.Close()
		}
	}
	sort.Strings(out)
	return out
}

// composeTool is one way to run Compose: the command and its container-name pattern.
type composeTool struct {
	argv   []string
	engine string   // podman or docker: for exec and inspect
	sep    string   // between project, service and index in container names
	up     []string // `up` and its flags
}

func (c composeTool) container(service string) string {
	return composeProject + c.sep + service + c.sep + "1"
}

// findCompose returns the Compose tool, skipping or failing t (LEADWORKER_REQUIRE_CONTAINERS=1)
// where there is none.
func findCompose(t *testing.T) composeTool {
	t.Helper()
	if os.Getenv("LEADWORKER_IT_COMPOSE") != "1" {
		t.Skip("skipped: set LEADWORKER_IT_COMPOSE=1 to run docker-compose.yml (after scripts/images.sh)")
	}
	fail := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("LEADWORKER_REQUIRE_CONTAINERS") == "1" {
			t.Fatalf(format+" (LEADWORKER_REQUIRE_CONTAINERS=1)", args...)
		}
		t.Skipf("skipped: "+format, args...)
	}
	var tool composeTool
	if pc, err := exec.LookPath("podman-compose"); err == nil {
		tool = composeTool{argv: []string{pc}, engine: "podman", sep: "_", up: []string{"up", "-d"}}
		if podmanBefore46() {
			// podman before 4.6 cannot start a container whose required one-shot container has
			// exited while that one requires a running one (the replicas → kafka-init → kafka:
			// "generating dependency graph … not found in input list"), and podman-compose waits
			// for no health condition there anyway. Without --requires, kafka-init retries until
			// the broker answers and the replicas wait for their topics.
			tool.up = append(tool.up, "--no-deps")
		}
		out, _ := exec.Command(pc, "--version").CombinedOutput()
		if m := regexp.MustCompile(`podman-compose version (\d+)\.(\d+)`).FindStringSubmatch(string(out)); m == nil || (m[1] == "1" && m[2] == "0") {
			fail("podman-compose %q runs every health check through /bin/sh, which the scratch image lacks; install 1.1 or later (scripts/podman-setup.sh)", strings.TrimSpace(string(out)))
		}
	} else if d, err := exec.LookPath("docker"); err == nil && exec.Command(d, "compose", "version").Run() == nil {
		tool = composeTool{argv: []string{d, "compose"}, engine: "docker", sep: "-", up: []string{"up", "-d"}}
	} else {
		fail("neither podman-compose nor docker compose is installed")
	}
	for _, img := range []string{"localhost/leadworker:dev", "localhost/mykaarma-fake:dev", defaultKafkaImage} {
		if err := exec.Command(tool.engine, "image", "inspect", img).Run(); err != nil {
			fail("image %s is missing; build it with scripts/images.sh", img)
		}
	}
	return tool
}

// podmanBefore46 reports whether the podman installed is older than 4.6.
func podmanBefore46() bool {
	out, err := exec.Command("podman", "version", "--format", "{{.Client.Version}}").Output()
	if err != nil {
		return false
	}
	var major, minor int
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), "%d.%d", &major, &minor); err != nil {
		return false
	}
	return major < 4 || (major == 4 && minor < 6)
}

// compose runs the tool on the project and returns its combined output.
func (c composeTool) run(ctx context.Context, args ...string) (string, error) {
	argv := slices.Concat(c.argv, []string{"-p", composeProject, "-f", "docker-compose.yml", "-f", composeOverride}, args)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	return string(out), nil
}

func TestComposeEndToEnd(t *testing.T) {
	tool := findCompose(t)
	ports := hostPorts()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	start := time.Now()
	step := func(format string, args ...any) {
		t.Helper()
		t.Logf("[%5.1fs] %s", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}

	_, _ = tool.run(ctx, "down") // leftovers of an interrupted run
	if taken := ports.taken(); len(taken) > 0 {
		t.Fatalf("host ports taken: %s; set free ones, for example eval \"$(scripts/compose-ports.sh pick)\"", strings.Join(taken, ", "))
	}
	t.Cleanup(func() {
		if t.Failed() {
			tool.explain(t)
		}
		dctx, dcancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer dcancel()
		if out, err := tool.run(dctx, "down"); err != nil {
			t.Logf("compose down: %v\n%s", err, out)
		}
	})
	if out, err := tool.run(ctx, tool.up...); err != nil {
		t.Fatalf("compose %s: %v\n%s", strings.Join(tool.up, " "), err, out)
	}
	step("compose %s returned", strings.Join(tool.up, " "))
	// Compose may return 0 with a container that could not start (a port taken after the check,
	// say): every service's container must be running, kafka-init's done or retrying.
	if err := testkit.Until(t, time.Minute, func() error { return tool.allStarted() }); err != nil {
		t.Fatalf("after compose up: %v", err)
	}
	step("every container started")

	// Both replicas become ready, then every health check of the file passes as the engine runs
	// it (podman healthcheck run: the configured check, in exec form; podman without systemd
	// schedules none by itself).
	for _, port := range []string{ports.worker1, ports.worker2} {
		if err := testkit.Until(t, 4*time.Minute, func() error { return readyOK("http://127.0.0.1:" + port + "/readyz") }); err != nil {
			t.Fatalf("replica on :%s not ready: %v", port, err)
		}
	}
	step("both replicas answer /readyz 200")
	for name, svc := range loadCompose(t, composeOverride).Services {
		hc := svc.HealthCheck
		if hc == nil || len(hc.Test) == 0 {
			continue
		}
		if hc.Test[0] != "CMD" {
			t.Errorf("%s: health check %q; want a CMD test (a scratch image has no shell)", name, hc.Test)
			continue
		}
		if err := tool.healthy(t, ctx, name); err != nil {
			t.Errorf("%s health check %q: %v", name, hc.Test[1:], err)
		} else {
			step("%s health check %q passes", name, hc.Test[1:])
		}
	}

	// The topics kafka-init created from the replicas' environment.
	b := &broker{kind: "compose", addrs: []string{"127.0.0.1:" + ports.kafka}}
	tp := topics{Input: "crm.events", Result: "leadworker.results", DLQ: "leadworker.dlq", Route: "leadworker.route", Group: "leadworker", Partitions: 6}
	if err := topicsReady(ctx, b, tp.Partitions, []string{tp.Input, tp.Route, tp.Result, tp.DLQ}); err != nil {
		t.Fatalf("topics: %v", err)
	}
	step("topics %s, %s, %s, %s exist with %d partitions", tp.Input, tp.Route, tp.Result, tp.DLQ, tp.Partitions)

	// The README's commands from the host: produce sends the examples, tail shows each answered.
	out := collect(t, b, tp)
	hostEnv := append(os.Environ(), "KAFKA_BROKERS=127.0.0.1:"+ports.kafka)
	produceCmd := exec.CommandContext(ctx, workerBin, "produce")
	produceCmd.Env = hostEnv
	if o, err := produceCmd.CombinedOutput(); err != nil {
		t.Fatalf("leadworker produce: %v\n%s", err, o)
	}
	_, ids, raw := exampleEvents(t, tp.Partitions)
	tl := out.waitAll(t, ids, 2*time.Minute)
	if err := testkit.Until(t, time.Minute, func() error { return out.hasDeadLetter(raw) }); err != nil {
		t.Errorf("the non-JSON example: %v", err)
	}
	tailCmd := exec.CommandContext(ctx, workerBin, "tail", "-n", "all")
	tailCmd.Env = hostEnv
	table, err := tailCmd.CombinedOutput()
	if err != nil {
		t.Fatalf("leadworker tail: %v\n%s", err, table)
	}
	for _, id := range append(ids, "08-not-json.txt") {
		if !strings.Contains(string(table), id) {
			t.Errorf("leadworker tail shows no output for %s:\n%s", id, table)
		}
	}
	step("leadworker produce sent the %d examples; tail shows %d results and %d dead letters", len(ids)+len(raw), tl.results, tl.deadLetters)

	// Stopping one replica loses nothing: half the events are produced as leadworker-1 gets
	// SIGTERM (it drains), the rest after it is gone; leadworker-2 answers everything, and the
	// fake holds one customer per identity.
	wl := newWorkload(t, tp, 300)
	half := len(wl.Events) / 2
	var stopErr error
	var stopOut string
	var wg sync.WaitGroup
	wg.Go(func() { stopOut, stopErr = tool.run(ctx, "stop", "leadworker-1") })
	produce(t, b, tp.Input, wl.Events[:half], time.Minute)
	wg.Wait()
	if stopErr != nil {
		t.Fatalf("compose stop leadworker-1: %v\n%s", stopErr, stopOut)
	}
	step("leadworker-1 stopped while %d events were produced", half)
	produce(t, b, tp.Input, wl.Events[half:], time.Minute)
	tl = out.waitAll(t, IDs(wl.Events), 3*time.Minute)
	if tl.duplicates > 0 {
		t.Logf("%d events answered twice (at-least-once across the handover)", tl.duplicates)
	}
	customers, err := fakeCustomers("http://127.0.0.1:"+ports.fake, wl.Dept)
	if err != nil {
		t.Fatalf("fake customers: %v", err)
	}
	logCounts(t, tl, customers)
	if want := len(identities(wl.Events)); customers != want {
		t.Errorf("the fake holds %d customers of the workload's department; want %d, one per identity", customers, want)
	}
	step("all %d answered, %d after the stop by leadworker-2 alone", len(wl.Events), len(wl.Events)-half)
	if err := readyOK("http://127.0.0.1:" + ports.worker2 + "/readyz"); err != nil {
		t.Errorf("leadworker-2 after the stop: %v", err)
	}
}

// containerState is what the engine says of one service's container.
type containerState struct {
	Status   string // created, running, exited, ...
	ExitCode int
	Error    string
	Health   string
}

// state inspects service's container; an error means it does not exist.
func (c composeTool) state(service string) (containerState, error) {
	out, err := exec.Command(c.engine, "inspect", "--format",
		"{{.State.Status}}|{{.State.ExitCode}}|{{.State.Error}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}", c.container(service)).CombinedOutput()
	if err != nil {
		return containerState{}, fmt.Errorf("%s: %v: %s", c.container(service), err, strings.TrimSpace(string(out)))
	}
	f := strings.SplitN(strings.TrimSpace(string(out)), "|", 4)
	if len(f) != 4 {
		return containerState{}, fmt.Errorf("%s: inspect printed %q", c.container(service), out)
	}
	code, _ := strconv.Atoi(f[1])
	return containerState{Status: f[0], ExitCode: code, Error: f[2], Health: f[3]}, nil
}

// allStarted returns nil once every service's container runs (kafka-init: or ran, or is being
// restarted by its on-failure policy).
func (c composeTool) allStarted() error {
	var problems []string
	for _, svc := range composeServices {
		st, err := c.state(svc)
		switch {
		case err != nil:
			problems = append(problems, err.Error())
		case st.Status == "running":
		case svc == "kafka-init" && (st.Status == "exited" || st.Status == "stopped" || st.Status == "restarting"):
		default:
			problems = append(problems, fmt.Sprintf("%s is %s (exit code %d) %s", svc, st.Status, st.ExitCode, st.Error))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// healthy runs service's configured health check as the engine runs it and returns nil when it
// passes.
func (c composeTool) healthy(t *testing.T, ctx context.Context, service string) error {
	if c.engine == "podman" {
		return testkit.Until(t, time.Minute, func() error {
			out, err := exec.CommandContext(ctx, "podman", "healthcheck", "run", c.container(service)).CombinedOutput()
			if err != nil {
				return fmt.Errorf("podman healthcheck run: %v: %s", err, strings.TrimSpace(string(out)))
			}
			return nil
		})
	}
	return testkit.Until(t, 2*time.Minute, func() error {
		st, err := c.state(service)
		if err != nil {
			return err
		}
		if st.Health != "healthy" {
			return fmt.Errorf("health %q", st.Health)
		}
		return nil
	})
}

// explain logs, for a failed run, each container's state, and the log of every one that is not
// running as it should (in full, up to 200 lines) before the others' tails.
func (c composeTool) explain(t *testing.T) {
	t.Helper()
	var bad, good []string
	for _, svc := range composeServices {
		st, err := c.state(svc)
		switch {
		case err != nil:
			t.Logf("== %s: no container: %v", svc, err)
			continue
		case st.Status == "running" && st.Health != "unhealthy", svc == "kafka-init" && st.Status == "exited" && st.ExitCode == 0:
			good = append(good, svc)
		default:
			bad = append(bad, svc)
		}
		t.Logf("== %s: %s, exit code %d, health %q %s", svc, st.Status, st.ExitCode, st.Health, st.Error)
	}
	for _, svc := range bad {
		out, _ := exec.Command(c.engine, "logs", "--tail", "200", c.container(svc)).CombinedOutput()
		t.Logf("== %s logs (it is not running as it should)\n%s", svc, out)
	}
	for _, svc := range good {
		out, _ := exec.Command(c.engine, "logs", "--tail", "30", c.container(svc)).CombinedOutput()
		t.Logf("== %s logs (tail)\n%s", svc, out)
	}
}

// fakeCustomers counts the fake's customers in dept, through its /_fake/ control API.
func fakeCustomers(base, dept string) (int, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(base + "/_fake/customers?department=" + dept)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var list []json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return 0, fmt.Errorf("decode /_fake/customers: %w", err)
	}
	return len(list), nil
}

// readyOK returns nil when url answers 200.
func readyOK(url string) error {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		return fmt.Errorf("%s: %d %s", url, resp.StatusCode, strings.TrimSpace(body.String()))
	}
	return nil
}

// exampleEvents returns every example as an event (keyed by its eventId, or its file name), the
// eventIds, and the raw bytes of the examples without one (they can only be dead-lettered).
func exampleEvents(t *testing.T, partitions int) (evs []event, ids []string, raw [][]byte) {
	t.Helper()
	err := fs.WalkDir(examples.Events, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(examples.Events, p)
		if err != nil {
			return err
		}
		var v struct {
			EventID string `json:"eventId"`
		}
		key := path.Base(p)
		if json.Unmarshal(b, &v) == nil && v.EventID != "" {
			key = v.EventID
			ids = append(ids, v.EventID)
		} else {
			raw = append(raw, b)
		}
		evs = append(evs, event{ID: v.EventID, Key: key, Partition: len(evs) % partitions, Value: b})
		return nil
	})
	if err != nil {
		t.Fatalf("read examples: %v", err)
	}
	if len(ids) < 5 || len(raw) == 0 {
		t.Fatalf("examples: %d with an eventId, %d without; want the README's set", len(ids), len(raw))
	}
	return evs, ids, raw
}

// hasDeadLetter returns nil once every value in raw has been dead-lettered with its bytes.
func (c *collector) hasDeadLetter(raw [][]byte) error {
	_, dlq := c.snapshot()
	for _, r := range raw {
		if !slices.ContainsFunc(dlq, func(o output) bool { return bytes.Equal(o.Value, r) }) {
			return fmt.Errorf("no dead letter holds %q", head([]string{string(r)}, 1))
		}
	}
	return nil
}
