package integration

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestWrongCredentialsPauseAndResume starts the worker with a password myKaarma refuses:
// /readyz answers 503 and nothing is dead-lettered. When myKaarma starts accepting that
// password the worker resumes by itself, without a restart, and every event gets a result.
func TestWrongCredentialsPauseAndResume(t *testing.T) {
	b := newBroker(t)
	tp := newTopics(t, b, 3)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{Username: "svc-leadworker", Password: "right-password"})
	out := collect(t, b, tp)
	wl := newWorkload(t, tp, 60)

	// The password comes from MYKAARMA_PASSWORD_FILE, the other documented way.
	pwFile := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pwFile, []byte("rotated-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{
		"MYKAARMA_USERNAME":      "svc-leadworker",
		"MYKAARMA_PASSWORD":      "", // removed: the file is used
		"MYKAARMA_PASSWORD_FILE": pwFile,
	}))
	produce(t, b, tp.Input, wl.Events, 30*time.Second)

	r := w.waitReady(t, 60*time.Second, "/readyz 503 for refused credentials", func(r readyz) bool {
		return r.Status == http.StatusServiceUnavailable && strings.Contains(r.Reason, "credentials")
	})
	t.Logf("while refused: /readyz %d %q", r.Status, r.Reason)
	refused := 0
	for _, rq := range fake.Requests() {
		if rq.Status == http.StatusUnauthorized {
			refused++
		}
	}
	if refused == 0 {
		t.Errorf("myKaarma answered no 401; want the worker's calls refused")
	}
	if n := out.outputs(); n != 0 {
		t.Fatalf("%d outputs while credentials are refused; want none (no dead letters, no results)", n)
	}

	fake.SetCredentials("svc-leadworker", "rotated-password")
	w.waitReady(t, 60*time.Second, "/readyz 200 after the credentials are accepted", isReady)
	tl := out.waitAll(t, IDs(wl.Events), 2*time.Minute, w)
	customers := checkCustomers(t, fake, wl.Dept, identities(wl.Events))
	logCounts(t, tl, customers)
	if tl.deadLetters != 0 {
		t.Errorf("dead_letters = %d; want 0 (refused credentials must never dead-letter)", tl.deadLetters)
	}
	checkResults(t, out)
	if w.exited() {
		t.Errorf("worker exited (%s); want it to resume without a restart", w.exitStatus())
	}
}
