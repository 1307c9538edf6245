package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadworker/leadworker/examples"
)

// The compose end-to-end test runs docker-compose.yml as users run it, with the images
// scripts/images.sh builds, and checks it from the host: both replicas become ready, the topics
// exist, the example events are answered, and stopping one replica loses nothing.
//
//	LEADWORKER_IT_COMPOSE=1   run it (it takes host ports 29092, 8081, 8082 and 8089)
//
// It uses podman-compose where podman is installed, else `docker compose`, with
// scripts/compose/local-kafka.yml over the file (the local Kafka image for apache/kafka).
const (
	composeProject  = "leadworker-it"
	composeOverride = "scripts/compose/local-kafka.yml"
)

// composeTool is one way to run Compose: the command and its container-name pattern.
type composeTool struct {
	argv   []string
	engine string // podman or docker: for exec and inspect
	sep    string // between project, service and index in container names
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
		tool = composeTool{argv: []string{pc}, engine: "podman", sep: "_"}
	} else if d, err := exec.LookPath("docker"); err == nil && exec.Command(d, "compose", "version").Run() == nil {
		tool = composeTool{argv: []string{d, "compose"}, engine: "docker", sep: "-"}
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
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	start := time.Now()
	step := func(format string, args ...any) {
		t.Helper()
		t.Logf("[%5.1fs] %s", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}

	_, _ = tool.run(ctx, "down") // leftovers of an interrupted run
	t.Cleanup(func() {
		if t.Failed() {
			for _, svc := range []string{"kafka", "kafka-init", "mykaarma-fake", "leadworker-1", "leadworker-2"} {
				out, _ := exec.Command(tool.engine, "logs", "--tail", "60", tool.container(svc)).CombinedOutput()
				t.Logf("== %s logs (tail)\n%s", svc, out)
			}
		}
		dctx, dcancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer dcancel()
		if out, err := tool.run(dctx, "down"); err != nil {
			t.Logf("compose down: %v\n%s", err, out)
		}
	})
	if out, err := tool.run(ctx, "up", "-d"); err != nil {
		t.Fatalf("compose up: %v\n%s", err, out)
	}
	step("compose up -d returned")

	// Both replicas become ready: /readyz from the host, then every health check of the file,
	// run in its container as Docker runs a CMD test. (podman-compose 1.0.3 wraps every test in
	// /bin/sh -c, which a FROM scratch image does not have, and podman without systemd schedules
	// none, so the test runs them itself.)
	for _, port := range []string{"8081", "8082"} {
		if err := waitFor(4*time.Minute, func() error { return readyOK("http://127.0.0.1:" + port + "/readyz") }); err != nil {
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
		check := exec.CommandContext(ctx, tool.engine, slices.Concat([]string{"exec", tool.container(name)}, hc.Test[1:])...)
		if out, err := check.CombinedOutput(); err != nil {
			t.Errorf("%s health check %q: %v\n%s", name, hc.Test[1:], err, out)
		} else {
			step("%s health check %q passes", name, hc.Test[1:])
		}
	}

	// The topics kafka-init created from the replicas' environment.
	b := &broker{kind: "compose", addrs: []string{"127.0.0.1:29092"}}
	tp := topics{Input: "crm.events", Result: "leadworker.results", DLQ: "leadworker.dlq", Route: "leadworker.route", Group: "leadworker", Partitions: 6}
	if err := topicsReady(ctx, b, tp.Partitions, []string{tp.Input, tp.Route, tp.Result, tp.DLQ}); err != nil {
		t.Fatalf("topics: %v", err)
	}
	step("topics %s, %s, %s, %s exist with %d partitions", tp.Input, tp.Route, tp.Result, tp.DLQ, tp.Partitions)

	// The examples, produced from the host, are each answered by a result or a dead letter.
	out := collect(t, b, tp)
	evs, ids, raw := exampleEvents(t, tp.Partitions)
	produce(t, b, tp.Input, evs, time.Minute)
	tl := out.waitAll(t, ids, 2*time.Minute)
	if err := waitFor(time.Minute, func() error { return out.hasDeadLetter(raw) }); err != nil {
		t.Errorf("the non-JSON example: %v", err)
	}
	step("%d examples answered: %d results, %d dead letters", len(evs), tl.results, tl.deadLetters)

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
	customers, err := fakeCustomers("http://127.0.0.1:8089", wl.Dept)
	if err != nil {
		t.Fatalf("fake customers: %v", err)
	}
	logCounts(t, tl, customers)
	if want := len(identities(wl.Events)); customers != want {
		t.Errorf("the fake holds %d customers of the workload's department; want %d, one per identity", customers, want)
	}
	step("all %d answered, %d after the stop by leadworker-2 alone", len(wl.Events), len(wl.Events)-half)
	if err := readyOK("http://127.0.0.1:8082/readyz"); err != nil {
		t.Errorf("leadworker-2 after the stop: %v", err)
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
