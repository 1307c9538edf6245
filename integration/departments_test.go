package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// TestForbiddenDepartmentIsolated: the built worker serves two departments,
// one of which myKaarma answers 403 for. The other's events are all answered
// while /readyz stays 200 and counts one paused department, which `leadworker
// admin departments` names. Once the scope is granted, `leadworker admin
// resume --department` probes it at once and its events are answered too;
// nothing is dead-lettered and no customer is created twice.
func TestForbiddenDepartmentIsolated(t *testing.T) {
	b := newBroker(t)
	tp := newTopics(t, b, 3)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	out := collect(t, b, tp)
	healthy, forbidden := newWorkload(t, tp, 20), newWorkload(t, tp, 10)
	grant := fake.AddFault(mykaarmatest.Fault{Department: forbidden.Dept, Status: http.StatusForbidden})
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{
		// Probes wait for the operator: the test forces one.
		"CIRCUIT_PROBE_MIN_INTERVAL": "10m",
		"CIRCUIT_PROBE_MAX_INTERVAL": "10m",
	}))
	produce(t, b, tp.Input, append(append([]event(nil), forbidden.Events...), healthy.Events...), 30*time.Second)

	out.waitAll(t, IDs(healthy.Events), 60*time.Second, w)
	w.waitReady(t, 30*time.Second, "/readyz 200 with one department paused", func(r readyz) bool {
		return r.Status == http.StatusOK && r.PausedDepartments == 1
	})
	admin := map[string]string{"ADMIN_ADDR": w.adminAddr(t)}
	if res := runCLI(t, admin, "admin", "departments"); res.Code != 0 || !strings.Contains(res.Stdout, forbidden.Dept) || !strings.Contains(res.Stdout, `"scope"`) {
		t.Errorf("leadworker admin departments: %v; want exit 0 naming %s (scope)", res, forbidden.Dept)
	}
	if _, dlq := out.snapshot(); len(dlq) != 0 {
		t.Fatalf("%d dead letters while a department is forbidden; want none", len(dlq))
	}

	grant()
	if res := runCLI(t, admin, "admin", "resume", "--department", forbidden.Dept); res.Code != 0 {
		t.Errorf("leadworker admin resume --department: %v; want exit 0", res)
	}
	tl := out.waitAll(t, append(IDs(healthy.Events), IDs(forbidden.Events)...), 90*time.Second, w)
	customers := checkCustomers(t, fake, healthy.Dept, identities(healthy.Events)) +
		checkCustomers(t, fake, forbidden.Dept, identities(forbidden.Events))
	logCounts(t, tl, customers)
	if tl.deadLetters != 0 {
		t.Errorf("dead_letters = %d; want 0", tl.deadLetters)
	}
	checkResults(t, out)
	w.waitReady(t, 30*time.Second, "no department paused", func(r readyz) bool { return r.Status == http.StatusOK && r.PausedDepartments == 0 })
}
