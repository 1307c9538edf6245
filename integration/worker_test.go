package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// workerEnv is the documented environment of `leadworker run` for one test. Extra entries
// override or add variables.
func workerEnv(b *broker, tp topics, fake *mykaarmatest.Server, extra map[string]string) map[string]string {
	env := map[string]string{
		"KAFKA_BROKERS":          b.String(),
		"KAFKA_GROUP_ID":         tp.Group,
		"KAFKA_INPUT_TOPICS":     tp.Input,
		"KAFKA_RESULT_TOPIC":     tp.Result,
		"KAFKA_DLQ_TOPIC":        tp.DLQ,
		"KAFKA_ROUTE_TOPIC":      tp.Route,
		"MYKAARMA_BASE_URL":      fake.URL,
		"MYKAARMA_USERNAME":      mykaarmatest.DefaultUsername,
		"MYKAARMA_PASSWORD":      mykaarmatest.DefaultPassword,
		"HTTP_ADDR":              "127.0.0.1:0",
		"ADMIN_ADDR":             "127.0.0.1:0",
		"LOG_LEVEL":              "info",
		"LOG_FORMAT":             "json",
		"MYKAARMA_TIMEOUT":       "5s",
		"RETRY_INITIAL_INTERVAL": "50ms",
		"RETRY_MAX_INTERVAL":     "1s",
		"RETRY_MAX_ELAPSED":      "2m",
		"DRAIN_TIMEOUT":          "10s",
		// A SIGKILLed member's partitions move after this: Kafka's and the
		// embedded broker's smallest allowed session.
		"KAFKA_SESSION_TIMEOUT": "6s",
	}
	if tp.Parked != "" {
		env["KAFKA_PARKED_TOPIC"] = tp.Parked
	}
	for k, v := range extra {
		if v == "" {
			delete(env, k)
			continue
		}
		env[k] = v
	}
	return env
}

// workerProc is one running `leadworker run` process.
type workerProc struct {
	name   string
	cmd    *exec.Cmd
	stderr *logBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // Wait's error, set before done is closed
}

// startWorker starts the binary with env (plus PATH) and stops it with SIGKILL when t ends; on
// failure its log is dumped.
func startWorker(t *testing.T, name string, env map[string]string) *workerProc {
	t.Helper()
	cmd := exec.Command(workerBin, "run")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	sort.Strings(cmd.Env)
	w := &workerProc{name: name, cmd: cmd, stderr: &logBuffer{}, done: make(chan struct{})}
	cmd.Stderr = w.stderr
	cmd.Stdout = w.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		w.err = cmd.Wait()
		close(w.done)
	}()
	t.Cleanup(func() {
		w.kill()
		if t.Failed() {
			t.Logf("---- %s log (pid %d, %s) ----\n%s", name, cmd.Process.Pid, w.exitStatus(), w.stderr.tail(150))
		}
	})
	return w
}

func (w *workerProc) exited() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// exitStatus describes how the process ended, or "running".
func (w *workerProc) exitStatus() string {
	if !w.exited() {
		return "running"
	}
	if w.err == nil {
		return "exit status 0"
	}
	return w.err.Error()
}

// kill sends SIGKILL and waits for the process to be gone.
func (w *workerProc) kill() {
	if !w.exited() {
		_ = w.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-w.done
}

// terminate sends SIGTERM and waits up to timeout for a clean exit (status 0).
func (w *workerProc) terminate(t *testing.T, timeout time.Duration) {
	t.Helper()
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM %s: %v", w.name, err)
	}
	tm := time.NewTimer(timeout)
	defer tm.Stop()
	select {
	case <-w.done:
	case <-tm.C:
		t.Fatalf("%s did not stop within %v of SIGTERM", w.name, timeout)
	}
	if w.err != nil {
		t.Fatalf("%s after SIGTERM: %v; want exit status 0", w.name, w.err)
	}
}

// httpAddr waits for the log line announcing the health endpoints and returns their address.
func (w *workerProc) httpAddr(t *testing.T) string {
	t.Helper()
	return w.listenAddr(t, "serving /healthz")
}

// listenAddr waits for the log line whose message starts with msg and returns its addr field.
func (w *workerProc) listenAddr(t *testing.T, msg string) string {
	t.Helper()
	var addr string
	err := testkit.Until(t, 30*time.Second, func() error {
		if w.exited() {
			return testkit.Stop(fmt.Errorf("%s exited: %s", w.name, w.exitStatus()))
		}
		for _, l := range w.stderr.lines() {
			if m, _ := l["msg"].(string); strings.HasPrefix(m, msg) {
				addr, _ = l["addr"].(string)
				return nil
			}
		}
		return fmt.Errorf("no %q log line yet", msg)
	})
	if err != nil {
		t.Fatalf("%s: %v", w.name, err)
	}
	return addr
}

// readyz is /readyz's answer.
type readyz struct {
	Status            int
	Ready             bool   `json:"ready"`
	Reason            string `json:"reason"`
	Partitions        int    `json:"partitions"`
	PausedDepartments int    `json:"pausedDepartments"`
}

func (w *workerProc) readyz(t *testing.T) (readyz, error) {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + w.httpAddr(t) + "/readyz")
	if err != nil {
		return readyz{}, err
	}
	defer resp.Body.Close()
	var r readyz
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return readyz{}, fmt.Errorf("decode /readyz: %w", err)
	}
	r.Status = resp.StatusCode
	return r, nil
}

// waitReady polls /readyz until cond holds.
func (w *workerProc) waitReady(t *testing.T, timeout time.Duration, what string, cond func(readyz) bool) readyz {
	t.Helper()
	var last readyz
	err := testkit.Until(t, timeout, func() error {
		if w.exited() {
			return testkit.Stop(fmt.Errorf("exited: %s", w.exitStatus()))
		}
		r, err := w.readyz(t)
		if err != nil {
			return err
		}
		last = r
		if !cond(r) {
			return fmt.Errorf("/readyz = %d %+v", r.Status, r)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: waiting for %s: %v", w.name, what, err)
	}
	return last
}

func isReady(r readyz) bool { return r.Status == http.StatusOK && r.Ready }

// count returns how many log lines have msg.
func (w *workerProc) count(msg string) int {
	n := 0
	for _, l := range w.stderr.lines() {
		if l["msg"] == msg {
			n++
		}
	}
	return n
}

// logBuffer collects a process's output; it is safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the JSON log lines; other lines are skipped.
func (b *logBuffer) lines() []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// tail returns the last n lines.
func (b *logBuffer) tail(n int) string {
	ls := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(ls) > n {
		ls = append([]string{"... " + strconv.Itoa(len(ls)-n) + " earlier lines"}, ls[len(ls)-n:]...)
	}
	return strings.Join(ls, "\n")
}

var _ io.Writer = (*logBuffer)(nil)

func itoa(n int) string { return strconv.Itoa(n) }
