package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/twmb/franz-go/pkg/kfake"
)

// The README's quickstart ("Locally, against a real Kafka") is run line by
// line as written, with three stand-ins: scripts/kafka-local.sh is replaced
// by the embedded broker (or LEADWORKER_IT_BROKERS, then with topic and group
// names of the test's own), `bin/` is a directory of the test's, and
// `tail --follow` is interrupted as a person would, once every sample is
// answered. Ports the block names that are taken on this machine are
// swapped for free ones in every line.

// quickstartBlock returns the README's quickstart: the first ```sh block
// after "### Locally, against a real Kafka", one command per line.
func quickstartBlock(t *testing.T) []string {
	t.Helper()
	return readmeBlock(t, "### Locally, against a real Kafka")
}

// readmeBlock returns the first ```sh block after heading, one command per
// line.
func readmeBlock(t *testing.T, heading string) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no %q section", heading)
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	if !ok {
		t.Fatalf("README.md's %q has no ```sh block", heading)
	}
	block, _, _ = strings.Cut(block, "```")
	var lines []string
	for _, l := range strings.Split(block, "\n") {
		if l = strings.TrimSpace(stripComment(l)); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// stripComment drops a shell comment (" # ...") from a line.
func stripComment(l string) string {
	if i := strings.Index(l, " #"); i >= 0 {
		return l[:i]
	}
	if strings.HasPrefix(l, "#") {
		return ""
	}
	return l
}

// TestReadmeQuickstartIsSafe checks the block without running it: realistic
// secrets (a one-letter password masks that letter in every log line), and
// nothing in the background that its own kill cannot stop.
func TestReadmeQuickstartIsSafe(t *testing.T) {
	lines := quickstartBlock(t)
	for _, l := range lines {
		if strings.Contains(l, "go run") && strings.HasSuffix(l, "&") {
			t.Errorf("%q: a background go run; killing it leaves its child running", l)
		}
		for _, m := range regexp.MustCompile(`\b(\w*PASSWORD)=(\S+)`).FindAllStringSubmatch(l, -1) {
			if !strings.HasPrefix(m[2], "$") && len(m[2]) < 12 {
				t.Errorf("%s=%s: an example secret this short is masked inside ordinary words of every log line; use a realistic one", m[1], m[2])
			}
		}
	}
	background := 0
	for _, l := range lines {
		if strings.HasSuffix(l, "&") {
			background++
		}
	}
	if last := regexp.MustCompile(`^kill %1 %2; wait$`); background != 2 || !slicesContainsMatch(lines, last) {
		t.Errorf("the block starts %d processes in the background; want the fake and the worker, stopped by `kill %%1 %%2; wait`", background)
	}
}

func slicesContainsMatch(lines []string, re *regexp.Regexp) bool {
	for _, l := range lines {
		if re.MatchString(l) {
			return true
		}
	}
	return false
}

// job is a process the block started in the background.
type job struct {
	line   string
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
	err    error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestReadmeQuickstart runs the README's quickstart as written, with the
// second replica of "Two replicas on one host" started beside the first.
func TestReadmeQuickstart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries and runs the quickstart")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var lines []string
	for _, l := range quickstartBlock(t) {
		lines = append(lines, l)
		if strings.Contains(l, "bin/leadworker run") {
			lines = append(lines, readmeBlock(t, "### Two replicas on one host")...)
		}
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()

	env := map[string]string{"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME")}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOFLAGS", "GOTOOLCHAIN", "GOPROXY"} {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	brokers := os.Getenv("LEADWORKER_IT_BROKERS")
	if brokers == "" {
		cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
		if err != nil {
			t.Fatal(err)
		}
		defer cluster.Close()
		brokers = strings.Join(cluster.ListenAddrs(), ",")
	}
	// Ports of the block that are taken here (other work on this machine) are
	// swapped, in every line, for free ones; the worker's own defaults too.
	swap := map[string]string{}
	for _, port := range []string{"8089", "8080", "8081", "8090", "8091"} {
		if !portFree(port) {
			swap[port] = freePort(t)
			t.Logf("port %s is taken here; the block runs with %s", port, swap[port])
		}
	}
	if p, ok := swap["8080"]; ok {
		env["HTTP_ADDR"] = "127.0.0.1:" + p
	}
	if p, ok := swap["8081"]; ok {
		env["ADMIN_ADDR"] = "127.0.0.1:" + p
	}
	fakePort := "8089"
	if p, ok := swap["8089"]; ok {
		fakePort = p
	}

	var jobs []*job
	defer func() {
		for _, j := range jobs {
			select {
			case <-j.exited:
			default:
				_ = syscall.Kill(-j.cmd.Process.Pid, syscall.SIGKILL)
				<-j.exited
			}
		}
	}()
	start := func(line string, words []string, assigns map[string]string, stderrFile string) *job {
		t.Helper()
		bin := strings.Replace(words[0], "bin/", dir+"/bin/", 1)
		cmd := exec.CommandContext(ctx, bin, words[1:]...)
		cmd.Dir = repo
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		for k, v := range assigns {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		j := &job{line: line, cmd: cmd, out: &syncBuffer{}, exited: make(chan struct{})}
		cmd.Stdout, cmd.Stderr = j.out, j.out
		if stderrFile != "" {
			f, err := os.Create(filepath.Join(dir, stderrFile))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cmd.Stderr = f
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		go func() { j.err = cmd.Wait(); close(j.exited) }()
		return j
	}
	wait := func(j *job, d time.Duration) error {
		select {
		case <-j.exited:
			return j.err
		case <-time.After(d):
			return fmt.Errorf("still running after %v", d)
		}
	}

	var background []*job
	var workerLog string
	for _, line := range lines {
		for from, to := range swap {
			line = strings.ReplaceAll(line, ":"+from, ":"+to)
		}
		t.Logf("$ %s", line)
		switch {
		case strings.HasPrefix(line, "scripts/kafka-local.sh"):
			continue // the test's broker stands in
		case strings.HasPrefix(line, "export "):
			for k, v := range assignments(strings.Fields(strings.TrimPrefix(line, "export ")), env) {
				env[k] = v
			}
			if _, ok := env["KAFKA_BROKERS"]; ok {
				env["KAFKA_BROKERS"] = brokers
				if os.Getenv("LEADWORKER_IT_BROKERS") != "" {
					// A shared broker: topics and groups of this run's own.
					suffix := fmt.Sprintf(".quickstart-%d", time.Now().UnixNano())
					env["KAFKA_GROUP_ID"] = "leadworker" + suffix
					env["KAFKA_INPUT_TOPICS"] = "crm.events" + suffix
					env["KAFKA_RESULT_TOPIC"] = "leadworker.results" + suffix
					env["KAFKA_DLQ_TOPIC"] = "leadworker.dlq" + suffix
					env["KAFKA_ROUTE_TOPIC"] = "leadworker.route" + suffix
				}
			}
		case strings.HasPrefix(line, "go build -o bin/ "):
			args := strings.Fields(strings.Replace(line, "bin/", dir+"/bin/", 1))
			cmd := exec.CommandContext(ctx, args[0], args[1:]...)
			cmd.Dir = repo
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
		case line == "kill %1 %2; wait":
			// A person stops the worker after seeing it join its groups: with
			// two replicas starting together, one may still be waiting out the
			// rebalance the other started when the samples are all answered.
			if err := testkit.Poll(t, time.Minute, func() bool { return strings.Contains(readFile(workerLog), "joined consumer group") }); err != nil {
				t.Errorf("the worker has not joined its groups: %v", err)
			}
			for _, j := range background[:2] {
				if err := j.cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Errorf("kill %s: %v", j.line, err)
				}
			}
			for _, j := range background[:2] {
				if err := wait(j, 60*time.Second); err != nil {
					t.Errorf("%s after kill: %v\n%s", j.line, err, j.out.String())
				}
			}
		default:
			words := strings.Fields(strings.TrimSuffix(line, "&"))
			assigns := map[string]string{}
			for len(words) > 0 && regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=`).MatchString(words[0]) {
				for k, v := range assignments(words[:1], env) {
					assigns[k] = v
				}
				words = words[1:]
			}
			var stderrFile string
			if n := len(words); n > 0 && strings.HasPrefix(words[n-1], "2>") {
				stderrFile, words = strings.TrimPrefix(words[n-1], "2>"), words[:n-1]
			}
			if len(words) == 0 || !strings.HasPrefix(words[0], "bin/") {
				t.Fatalf("%q: the test runs only bin/ commands, exports, go build and kill; teach it this line", line)
			}
			j := start(line, words, assigns, stderrFile)
			jobs = append(jobs, j)
			switch {
			case strings.HasSuffix(line, "&"):
				background = append(background, j)
				if stderrFile == "worker.log" {
					workerLog = filepath.Join(dir, stderrFile)
				}
				if strings.HasPrefix(words[0], "bin/mykaarma-fake") {
					waitListening(t, "127.0.0.1:"+fakePort, j)
				}
			case slicesHas(words, "--follow"):
				// A person watches until every sample is answered, then Ctrl-C.
				if err := testkit.Poll(t, 2*time.Minute, func() bool { return answeredAll(j.out.String()) }); err != nil {
					t.Fatalf("%s printed, before %v:\n%s\nworker log:\n%s", line, err, j.out.String(), readFile(workerLog))
				}
				_ = j.cmd.Process.Signal(os.Interrupt)
				if err := wait(j, 30*time.Second); err != nil {
					t.Errorf("%s after Ctrl-C: %v", line, err)
				}
				t.Logf("tail --follow printed:\n%s", j.out.String())
			default:
				if err := wait(j, 2*time.Minute); err != nil {
					t.Fatalf("%s: %v\n%s", line, err, j.out.String())
				}
			}
		}
	}

	// The second replica ran beside the first (its own ports), joined both
	// groups and stops as the first did.
	if len(background) != 3 {
		t.Fatalf("%d processes in the background; want the fake, the worker and the second replica", len(background))
	}
	second := background[2]
	joined := func() bool {
		return strings.Count(readFile(filepath.Join(dir, "worker-2.log")), "joined consumer group") >= 2
	}
	if err := testkit.Poll(t, time.Minute, joined); err != nil {
		t.Errorf("the second replica has not joined both groups: %v", err)
	}
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("kill %s: %v", second.line, err)
	}
	if err := wait(second, 60*time.Second); err != nil {
		t.Errorf("%s: %v", second.line, err)
	}
	if log := readFile(filepath.Join(dir, "worker-2.log")); !joined() || strings.Contains(log, "address already in use") {
		t.Errorf("the second replica did not join both groups beside the first:\n%s", log)
	}

	// Nothing left running: every process group is empty, and the fake's
	// port can be taken again (a next run of the block starts).
	for _, j := range jobs {
		if err := syscall.Kill(-j.cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s: its process group still has a member (kill -0: %v)", j.line, err)
		}
	}
	if !portFree(fakePort) {
		t.Errorf("port %s is still taken after the block: the fake (or a child of it) survived", fakePort)
	}

	// The log reads as it should: identifiers whole, no secret, nothing
	// masked that is not personal data.
	log := readFile(workerLog)
	if !strings.Contains(log, "leadworker starting") || !strings.Contains(log, "leadworker stopped") {
		t.Errorf("worker.log lacks the start and stop lines:\n%s", log)
	}
	for _, bad := range []string{env["MYKAARMA_PASSWORD"], "[redacted]"} {
		if bad != "" && strings.Contains(log, bad) {
			t.Errorf("worker.log holds %q:\n%s", bad, log)
		}
	}
	for _, want := range []string{"http://127.0.0.1:" + fakePort, "joined"} {
		if !strings.Contains(log, want) {
			t.Errorf("worker.log lacks %q, whole:\n%s", want, log)
		}
	}
	// Either replica may have handled a given event: an identifier whole in
	// one of the two logs.
	if both := log + readFile(filepath.Join(dir, "worker-2.log")); !strings.Contains(both, "demo-01-new-customer") {
		t.Errorf("neither worker log names demo-01-new-customer whole:\n%s", both)
	}
}

// answeredAll reports whether tail's output has a row for every sample: the
// nine with an eventId and the one that is not JSON (keyed by file name).
func answeredAll(out string) bool {
	for _, id := range []string{"demo-01-new-customer", "demo-02-customer-key", "demo-03-lastname-contact", "demo-04-lastname-vin",
		"demo-05-unprocessed", "demo-06-transient", "demo-07-invalid", "08-not-json.txt", "demo-09-same-customer-again", "demo-10-placeholder-phone"} {
		if !strings.Contains(out, id) {
			return false
		}
	}
	return true
}

// assignments parses NAME=value words, expanding $NAME from env.
func assignments(words []string, env map[string]string) map[string]string {
	out := map[string]string{}
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			continue
		}
		out[k] = os.Expand(v, func(name string) string { return env[name] })
	}
	return out
}

func slicesHas(words []string, w string) bool {
	for _, x := range words {
		if x == w {
			return true
		}
	}
	return false
}

func readFile(path string) string {
	if path == "" {
		return ""
	}
	b, _ := os.ReadFile(path)
	return string(b)
}

// portFree reports whether nothing listens on port (all interfaces).
func portFree(port string) bool {
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// waitListening waits until addr accepts connections, or j exits.
func waitListening(t *testing.T, addr string, j *job) {
	t.Helper()
	err := testkit.Poll(t, 30*time.Second, func() bool {
		select {
		case <-j.exited:
			return true
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	select {
	case <-j.exited:
		t.Fatalf("%s exited: %v\n%s", j.line, j.err, j.out.String())
	default:
	}
	if err != nil {
		t.Fatalf("%s: %s not listening: %v", j.line, addr, err)
	}
}
