package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

// maxRecordBytes is MAX_RECORD_BYTES in TestBadInputDeadLettered.
const maxRecordBytes = 4096

// badInput is one record that must be dead-lettered as invalid with exactly Reason.
type badInput struct {
	Name   string
	Value  []byte
	Reason string
}

// badInputs returns every invalid payload of schemas/testdata/invalid (not JSON, not UTF-8,
// wrong types, unknown eventType, missing required fields, empty, ...) with the reason from its
// .want file, plus a record larger than maxRecordBytes and an empty value.
func badInputs(t *testing.T) []badInput {
	t.Helper()
	files, err := filepath.Glob("../schemas/testdata/invalid/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("glob testdata: %v, %d files", err, len(files))
	}
	var in []badInput
	for _, f := range files {
		v, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".want")
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, badInput{Name: strings.TrimSuffix(filepath.Base(f), ".json"), Value: v, Reason: strings.TrimSuffix(string(want), "\n")})
	}
	big, err := json.Marshal(map[string]any{
		"eventId": "too-large-1", "eventType": "customer", "occurredAt": "2024-06-08T11:00:00Z", "departmentUuid": "dept-1",
		"customer": map[string]any{"lastName": "Large", "company": strings.Repeat("x", maxRecordBytes)},
	})
	if err != nil {
		t.Fatal(err)
	}
	in = append(in,
		badInput{Name: "larger-than-max-record-bytes", Value: big,
			Reason: fmt.Sprintf("record value is %d bytes, larger than the limit of %d bytes", len(big), maxRecordBytes)},
		badInput{Name: "empty-value", Value: []byte{}, Reason: "empty input"},
	)
	for i := range in {
		if n := len(in[i].Value); n > maxRecordBytes && in[i].Name != "larger-than-max-record-bytes" {
			in[i].Reason = fmt.Sprintf("record value is %d bytes, larger than the limit of %d bytes", n, maxRecordBytes)
		}
	}
	return in
}

// TestBadInputDeadLettered sends bad input of every kind, then a valid event, on one partition.
// Each bad record is dead-lettered once with its original key and bytes, class invalid and the
// exact reason in error.message; the valid event after them still gets its result.
func TestBadInputDeadLettered(t *testing.T) {
	b := newBroker(t)
	tp := newTopics(t, b, 1)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	out := collect(t, b, tp)
	bad := badInputs(t)
	var evs []event
	for _, in := range bad {
		evs = append(evs, event{ID: in.Name, Key: "bad-" + in.Name, Value: in.Value})
	}
	valid := newWorkload(t, tp, 1).Events[0]
	evs = append(evs, valid)

	// Every one of these is meant to be dead-lettered: the flood guard, which
	// would rightly pause a worker that dead-letters this much, is off.
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{
		"MAX_RECORD_BYTES": fmt.Sprint(maxRecordBytes), "DLQ_FLOOD_CONSECUTIVE": "0",
	}))
	produce(t, b, tp.Input, evs, 30*time.Second)
	out.waitOutputs(t, len(evs), 60*time.Second)
	if w.exited() {
		t.Fatalf("worker exited: %s", w.exitStatus())
	}

	results, dlq := out.snapshot()
	byKey := map[string][]output{}
	for _, d := range dlq {
		byKey[string(d.Key)] = append(byKey[string(d.Key)], d)
	}
	for _, in := range bad {
		ds := byKey["bad-"+in.Name]
		if len(ds) != 1 {
			t.Errorf("%s: %d dead-letter records; want 1", in.Name, len(ds))
			continue
		}
		d := ds[0]
		if !bytes.Equal(d.Value, in.Value) {
			t.Errorf("%s: dead-letter value = %q; want the original %q", in.Name, d.Value, in.Value)
		}
		if got := d.Headers["error.class"]; got != "invalid" {
			t.Errorf("%s: error.class = %q; want %q", in.Name, got, "invalid")
		}
		if got := d.Headers["error.message"]; got != in.Reason {
			t.Errorf("%s: error.message = %q; want %q", in.Name, got, in.Reason)
		}
		if got := d.Headers["source.topic"]; got != tp.Input {
			t.Errorf("%s: source.topic = %q; want %q", in.Name, got, tp.Input)
		}
		delete(byKey, "bad-"+in.Name)
	}
	var extra []string
	for k := range byKey {
		extra = append(extra, k)
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("unexpected dead letters for keys %v", extra)
	}

	if len(results) != 1 || results[0].EventID != valid.ID || results[0].Result.Outcome != "SAVED" {
		t.Errorf("results = %+v; want one SAVED result for %s", results, valid.ID)
	}
	keys := map[string]bool{}
	for _, o := range append(results, dlq...) {
		keys[string(o.Key)] = true
	}
	tl := tally{sent: len(evs), results: len(results), deadLetters: len(dlq), duplicates: len(results) + len(dlq) - len(keys)}
	customers := checkCustomers(t, fake, newWorkloadDept(valid), identities([]event{valid}))
	logCounts(t, tl, customers)
	// The line is logged after the broker acknowledged the dead letter, so it can trail the
	// record: wait for it, then check there are no more.
	waitLogCount(t, w, "dead-lettered", len(bad), 30*time.Second)
	if n := w.count("dead-lettered"); n != len(bad) {
		t.Errorf("%d \"dead-lettered\" log lines; want %d", n, len(bad))
	}
}

// newWorkloadDept recovers the department of a workload event.
func newWorkloadDept(e event) string {
	var v struct {
		DepartmentUUID string `json:"departmentUuid"`
	}
	_ = json.Unmarshal(e.Value, &v)
	return v.DepartmentUUID
}
