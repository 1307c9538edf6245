package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestAdminOnlyOnAdminAddr checks where admin actions are served: POST /admin/resume on
// HTTP_ADDR (the probes' and scrapers' port) is not an admin action (404 or 405), while
// `leadworker admin resume` against ADMIN_ADDR with the worker's ADMIN_TOKEN exits 0 and
// without it, or with a wrong one, exits non-zero. `leadworker probe ready` exits 0 against the
// ready worker.
func TestAdminOnlyOnAdminAddr(t *testing.T) {
	b := newBroker(t)
	tp := newTopics(t, b, 1)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	const token = "it-admin-token-7f3a"
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{"ADMIN_TOKEN": token}))
	w.waitReady(t, 30*time.Second, "ready", isReady)
	httpAddr, adminAddr := w.httpAddr(t), w.adminAddr(t)
	if httpAddr == adminAddr {
		t.Fatalf("HTTP_ADDR and ADMIN_ADDR both serve on %s", httpAddr)
	}

	c := &http.Client{Timeout: 5 * time.Second}
	for _, auth := range []string{"", "Bearer " + token} {
		req, _ := http.NewRequest(http.MethodPost, "http://"+httpAddr+"/admin/resume", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("POST /admin/resume on HTTP_ADDR: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST /admin/resume on HTTP_ADDR (Authorization %q) = %d; want 404 or 405", auth, resp.StatusCode)
		}
	}

	for _, c := range []struct {
		name     string
		env      map[string]string
		wantZero bool
	}{
		{"with the token", map[string]string{"ADMIN_ADDR": adminAddr, "ADMIN_TOKEN": token}, true},
		{"without a token", map[string]string{"ADMIN_ADDR": adminAddr}, false},
		{"with a wrong token", map[string]string{"ADMIN_ADDR": adminAddr, "ADMIN_TOKEN": "wrong"}, false},
	} {
		res := runCLI(t, c.env, "admin", "resume")
		switch {
		case c.wantZero && res.Code != 0:
			t.Errorf("leadworker admin resume %s: %v; want exit 0", c.name, res)
		case c.wantZero && !strings.Contains(res.Stdout, `"resumed"`):
			t.Errorf("leadworker admin resume %s: stdout %q; want the worker's answer with \"resumed\"", c.name, res.Stdout)
		case !c.wantZero && res.Code == 0:
			t.Errorf("leadworker admin resume %s: %v; want a non-zero exit", c.name, res)
		}
	}
	if res := runCLI(t, map[string]string{"HTTP_ADDR": httpAddr}, "probe", "ready"); res.Code != 0 {
		t.Errorf("leadworker probe ready against the ready worker: %v; want exit 0", res)
	}
	if n := w.count("dead-lettered"); n != 0 {
		t.Errorf("%d dead letters; want none", n)
	}
}
