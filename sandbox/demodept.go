package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/leadworker/leadworker/console"
	"github.com/leadworker/leadworker/schemas"
	"github.com/leadworker/leadworker/worker"
)

// The demo's forbidden department: a second dealer's department whose API
// scope myKaarma has not granted yet (a dealer being onboarded). myKaarma
// answers its calls 403 until the demo grants the scope.
const (
	forbiddenDepartment = "5e8a1c3b-2d4f-4a6e-9b7c-0d1e2f3a4b5c"
	forbiddenEvents     = 3
	forbiddenPrefix     = "demo-forbidden-" // its events' ids
)

// The demo's parking and probing, shortened from their defaults (PARK_AFTER
// 30s, CIRCUIT_PROBE_MIN_INTERVAL 1s, CIRCUIT_PROBE_MAX_INTERVAL 30s) so
// that the story takes a second.
const (
	demoParkAfter = 300 * time.Millisecond
	demoProbeMin  = 200 * time.Millisecond
	demoProbeMax  = 500 * time.Millisecond
)

// demoDepartmentConfig shortens cfg's parking and probing for the demo.
func demoDepartmentConfig(cfg *worker.Config) {
	cfg.ParkAfter = demoParkAfter
	cfg.Guards.ProbeMin, cfg.Guards.ProbeMax = demoProbeMin, demoProbeMax
}

// forbiddenSamples are the forbidden department's events: one new customer
// each, keyed by its eventId as the samples are.
func forbiddenSamples() []console.Record {
	recs := make([]console.Record, forbiddenEvents)
	for i := range recs {
		id := fmt.Sprintf("%s%d", forbiddenPrefix, i+1)
		b, _ := json.Marshal(map[string]any{
			"eventId":        id,
			"eventType":      "customer",
			"occurredAt":     "2026-11-20T09:30:00Z",
			"departmentUuid": forbiddenDepartment,
			"customer": map[string]any{
				"customerKey":  fmt.Sprintf("WEST%03d", i+1),
				"firstName":    []string{"Rosa", "Tomás", "Mei"}[i%3],
				"lastName":     []string{"Alvarez", "Brandt", "Chen"}[i%3],
				"phoneNumbers": []map[string]string{{"phoneNumber": fmt.Sprintf("(707) 555-%04d", 1200+i), "label": "mobile"}},
			},
		})
		recs[i] = console.Record{Name: id, Key: []byte(id), Value: b}
	}
	return recs
}

// forbiddenAccount is what became of the forbidden department's events.
type forbiddenAccount struct {
	parked      float64 // leadworker_parked_total once all were parked
	deadParked  int     // its dead letters while parked
	readyStatus int     // /readyz's status then
	paused      int     // the departments /readyz listed as paused then
	answered    time.Duration
	outputs     []console.Output // its outputs, once answered
}

// awaitParked waits until the worker has parked every one of the forbidden
// department's events, and notes what /readyz and the outputs say then.
func awaitParked(ctx context.Context, p *Pipeline, outputs *OutputReader) (forbiddenAccount, error) {
	var a forbiddenAccount
	public := p.Worker.Handler()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := pollEvery(ctx, 20*time.Millisecond, func() bool {
		return metricSum(public, "leadworker_parked_total") >= forbiddenEvents
	}); err != nil {
		return a, fmt.Errorf("waiting for department %s's %d events to be parked (leadworker_parked_total %g): %w",
			forbiddenDepartment, forbiddenEvents, metricSum(public, "leadworker_parked_total"), err)
	}
	a.parked = metricSum(public, "leadworker_parked_total")
	a.readyStatus, a.paused = readyStatus(public)
	_, a.deadParked, _ = countOutputs(outputs, isForbidden)
	return a, nil
}

// isForbidden reports whether eventID is one of the forbidden department's.
func isForbidden(eventID string) bool { return strings.HasPrefix(eventID, forbiddenPrefix) }

// grantScope lifts the 403 and waits until the worker's next probe has
// resumed the department and its parked events are answered.
func grantScope(ctx context.Context, grant func(), outputs *OutputReader, a *forbiddenAccount) error {
	grant()
	granted := time.Now()
	if err := waitOutputsOf(ctx, outputs, forbiddenEvents, isForbidden); err != nil {
		return fmt.Errorf("department %s after its scope was granted: %w", forbiddenDepartment, err)
	}
	a.answered = time.Since(granted)
	results, dead := outputs.Snapshot()
	for _, m := range results {
		if isForbidden(schemas.PeekEventID(m.Value)) {
			a.outputs = append(a.outputs, console.Output{Message: m})
		}
	}
	for _, m := range dead {
		if isForbidden(schemas.PeekEventID(m.Value)) {
			a.outputs = append(a.outputs, console.Output{Message: m, DeadLetter: true})
		}
	}
	slices.SortFunc(a.outputs, func(x, y console.Output) int { return bytes.Compare(x.Key, y.Key) })
	return nil
}

// printForbidden tells what happened to the forbidden department, for a
// newcomer: paused alone, its events parked and not dead-lettered while the
// samples went on, answered once the scope was granted.
func printForbidden(out io.Writer, cfg worker.Config, samples int, a forbiddenAccount) {
	ready := "answered 200 (ready)"
	if a.readyStatus != http.StatusOK {
		ready = fmt.Sprintf("answered %d (not ready)", a.readyStatus)
	}
	fmt.Fprintf(out, "\nONE DEPARTMENT FORBIDDEN: department %s had no API scope yet (a dealer being onboarded)\n", forbiddenDepartment)
	fmt.Fprintf(out, "myKaarma answered its calls 403 \"ApiScope does not exist\": the worker paused that department alone.\n")
	fmt.Fprintf(out, "The other department's %d samples went on (all answered above); /readyz %s, listing %d paused department.\n", samples, ready, a.paused)
	fmt.Fprintf(out, "Its %d events waited PARK_AFTER (%v here, 30s by default), then were parked on %s,\n", forbiddenEvents, demoParkAfter, cfg.ParkedTopic)
	fmt.Fprintf(out, "not dead-lettered (%d dead letters; leadworker_parked_total %g). A parked event counts as answered: the input's commits move on.\n", a.deadParked, a.parked)
	fmt.Fprintf(out, "Then the fake granted the scope. The worker's next probe (every %v to %v here; 1s to 30s by default)\n", demoProbeMin, demoProbeMax)
	fmt.Fprintf(out, "succeeded, the department resumed, and its %d parked events were handed back and answered, %v after the grant:\n", len(a.outputs), a.answered.Round(10*time.Millisecond))
	console.NewTable(out, console.TableOptions{}).Write(a.outputs...)
}
