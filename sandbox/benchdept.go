package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/schemas"
	"github.com/segmentio/kafka-go"
)

// The failing-department bench (leadworker bench -failing-department): three
// departments, A and B healthy, C answering one status to every call. It
// runs the workload twice, each time on a fresh broker and fake: without a
// fault, then with C failing, and compares what A and B got.

// benchParkAfter is PARK_AFTER in the failing-department bench: short, so
// that C's events are parked within the run.
const benchParkAfter = time.Second

// benchParkWait is how long the bench waits, once A and B are answered, for
// every event of C to be parked before it reports what it saw.
const benchParkWait = time.Minute

// benchFailing is the index of the failing department among the three.
const benchFailing = 2

// scopeMissing is the body myKaarma answers a call with when the
// department lacks the API scope.
const scopeMissing = `{"status":403,"error":"Forbidden","message":"ApiScope does not exist"}`

// benchDeptName is the department's letter, A to C.
func benchDeptName(i int) string { return string(rune('A' + i)) }

// benchDeptUUID is the department's UUID.
func benchDeptUUID(i int) string { return fmt.Sprintf("7d3f0a52-5c1e-4f7a-9a1b-%012x", 0xa0+i) }

// deptRun is what one run of the failing-department bench measured.
type deptRun struct {
	healthy      int           // A's and B's events
	healthyDone  int           // of them answered (a result or a dead letter)
	healthyDead  int           // of them dead-lettered
	elapsed      time.Duration // first produce to A's and B's last output
	p50, p99     time.Duration // A's and B's, produce to output
	failing      int           // C's events
	failingDone  int           // of them answered while C failed (without a fault: answered)
	failingDead  int           // of them dead-lettered while C failed
	parked       float64       // leadworker_parked_total once C's events were parked
	parkedBy     time.Duration // first produce to the last of C's events parked
	parkComplete bool          // every event of C was parked or answered within benchParkWait
	resumed      time.Duration // fault lifted to C's last output
	unparked     float64       // leadworker_unparked_total at the end
	resumedDead  int           // C's dead letters at the end
	twice        int           // events with more than one output
	readySamples int           // /readyz asked while C failed
	notReady     int           // of them not 200
	pausedSeen   int           // the most departments /readyz listed as paused
}

// benchFailingDepartment is Bench with o.FailingDepartment set.
func benchFailingDepartment(ctx context.Context, o BenchOptions, out io.Writer) error {
	base, err := benchDepartmentRun(ctx, o, 0)
	if err != nil {
		return fmt.Errorf("no-fault run: %w", err)
	}
	hit, err := benchDepartmentRun(ctx, o, o.FailingDepartment)
	if err != nil {
		return fmt.Errorf("run with department %s failing: %w", benchDeptName(benchFailing), err)
	}
	printBenchDepartments(out, o, base, hit)
	return nil
}

// benchDepartmentRun runs the three departments' events through the
// pipeline, with department C answering fault to every call when fault is
// not 0, and measures A and B, then what became of C's events: parked while
// C fails, answered once the fault is lifted and a probe forced.
func benchDepartmentRun(ctx context.Context, o BenchOptions, fault int) (r deptRun, err error) {
	const in = "bench.departments.events"
	cfg := Config()
	cfg.InputTopics = []string{in}
	cfg.GroupID = "leadworker-bench"
	cfg.ParkedTopic = cfg.DefaultParkedTopic()
	cfg.ParkAfter = benchParkAfter
	cfg.MaxInFlight = o.MaxInFlight
	cfg.MaxBuffered = o.maxBuffered()
	cfg.FairDispatch = o.FairDispatch
	cfg.RateLimit = o.RateLimit
	cfg.AdaptiveConcurrency = o.Adaptive
	cfg.IdentityRouting = o.Routing

	box, err := New(&cfg, o.Partitions, in, cfg.ResultTopic, cfg.DLQTopic, cfg.RouteTopic)
	if err != nil {
		return r, err
	}
	defer box.Close()
	box.Fake.AddFault(mykaarmatest.Fault{Latency: o.Latency})
	failing := benchDeptUUID(benchFailing)
	lift := func() {}
	if fault != 0 {
		f := mykaarmatest.Fault{Department: failing, Status: fault}
		if fault == http.StatusForbidden {
			f.Body = scopeMissing
		}
		lift = box.Fake.AddFault(f)
	}
	pipelines, stop, err := startBenchWorkers(ctx, cfg, o.Replicas, o.Partitions, nil, false)
	if err != nil {
		return r, err
	}
	defer stop()
	var public, admin []http.Handler
	for _, p := range pipelines {
		public, admin = append(public, p.Worker.Handler()), append(admin, p.Worker.AdminHandler())
	}
	metric := func(name string) float64 {
		var sum float64
		for _, h := range public {
			sum += metricSum(h, name)
		}
		return sum
	}
	outputs := NewOutputReader(cfg)
	defer outputs.Close()

	msgs := benchEventsIn(0, o.Events, o.Keys, func(key int) string { return benchDeptUUID(key % 3) })
	isFailing := make(map[string]bool, len(msgs))
	for i := range msgs {
		if i%o.Keys%3 == benchFailing {
			isFailing[schemas.PeekEventID(msgs[i].Value)] = true
		}
	}
	r.failing = len(isFailing)
	r.healthy = len(msgs) - r.failing
	healthy := func(id string) bool { return !isFailing[id] }
	failed := func(id string) bool { return isFailing[id] }

	var readyDone func()
	if fault != 0 {
		readyDone = sampleReady(public, &r)
	}
	start := time.Now()
	if err := produceBench(ctx, cfg.Brokers, cfg.InputTopics[0], msgs); err != nil {
		return r, err
	}
	if err := waitOutputsOf(ctx, outputs, r.healthy, healthy); err != nil {
		return r, fmt.Errorf("departments A and B: %w", err)
	}
	if err := measureHealthy(&r, outputs, msgs, healthy, start); err != nil {
		return r, err
	}

	if fault == 0 {
		if err := waitOutputsOf(ctx, outputs, r.failing, failed); err != nil {
			return r, fmt.Errorf("department %s: %w", benchDeptName(benchFailing), err)
		}
	} else {
		// Every event of C parked (or, should it happen, answered): the
		// parked count is the worker's own metric.
		parkCtx, cancel := context.WithTimeout(ctx, benchParkWait)
		err := pollEvery(parkCtx, 250*time.Millisecond, func() bool {
			done, _, _ := countOutputs(outputs, failed)
			return int(metric("leadworker_parked_total"))+done >= r.failing
		})
		cancel()
		if err != nil && ctx.Err() != nil {
			return r, err
		}
		r.parkComplete = err == nil
		r.parkedBy = time.Since(start)
		readyDone()
		r.parked = metric("leadworker_parked_total")
		r.failingDone, r.failingDead, _ = countOutputs(outputs, failed)

		lift()
		lifted := time.Now()
		for _, h := range admin {
			probeDepartment(h, failing) // `leadworker admin resume --department`: not to wait for the probe backoff
		}
		if err := waitOutputsOf(ctx, outputs, r.failing, failed); err != nil {
			return r, fmt.Errorf("department %s after the fault was lifted: %w", benchDeptName(benchFailing), err)
		}
		r.resumed = time.Since(lifted)
	}
	if fault == 0 {
		r.failingDone, r.failingDead, _ = countOutputs(outputs, failed)
	}
	_, r.resumedDead, _ = countOutputs(outputs, failed)
	r.unparked = metric("leadworker_unparked_total")
	results, dead := outputs.Snapshot()
	seen := make(map[string]int, len(msgs))
	for _, m := range slices.Concat(results, dead) {
		id := schemas.PeekEventID(m.Value)
		if seen[id]++; seen[id] == 2 {
			r.twice++
		}
	}
	return r, nil
}

// measureHealthy fills in A's and B's figures from the outputs so far.
func measureHealthy(r *deptRun, outputs *OutputReader, msgs []kafka.Message, healthy func(string) bool, start time.Time) error {
	sent := make(map[string]time.Time, len(msgs))
	for _, m := range msgs {
		sent[schemas.PeekEventID(m.Value)] = m.Time
	}
	results, dead := outputs.Snapshot()
	var lat []time.Duration
	last := start
	for i, m := range slices.Concat(results, dead) {
		id := schemas.PeekEventID(m.Value)
		t, ok := sent[id]
		if !ok || !healthy(id) {
			continue
		}
		r.healthyDone++
		if i >= len(results) {
			r.healthyDead++
		}
		last = later(last, m.Time)
		lat = append(lat, m.Time.Sub(t))
	}
	if len(lat) == 0 {
		return errors.New("no output of departments A and B could be matched to its event")
	}
	slices.Sort(lat)
	r.p50, r.p99 = percentile(lat, 0.50), percentile(lat, 0.99)
	r.elapsed = last.Sub(start)
	return nil
}

// countOutputs counts the outputs so far of the events counted, and of
// them the dead letters; total is every output so far.
func countOutputs(outputs *OutputReader, counted func(eventID string) bool) (done, dead, total int) {
	results, deadLetters := outputs.Snapshot()
	for _, m := range results {
		if counted(schemas.PeekEventID(m.Value)) {
			done++
		}
	}
	for _, m := range deadLetters {
		if counted(schemas.PeekEventID(m.Value)) {
			done++
			dead++
		}
	}
	return done, dead, len(results) + len(deadLetters)
}

// waitOutputsOf waits until want outputs of the events counted arrived.
func waitOutputsOf(ctx context.Context, outputs *OutputReader, want int, counted func(eventID string) bool) error {
	for {
		got, _, total := countOutputs(outputs, counted)
		if got >= want {
			return nil
		}
		// Each new output answers at most one more of them.
		if err := outputs.WaitFor(ctx, total+want-got, nil); err != nil {
			return fmt.Errorf("%d of %d answered: %w", got, want, err)
		}
	}
}

// sampleReady asks /readyz of every worker every 100ms until the returned
// function is called, counting into r the answers that were not 200 and
// the most paused departments listed.
func sampleReady(public []http.Handler, r *deptRun) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			for _, h := range public {
				status, paused := readyStatus(h)
				r.readySamples++
				if status != http.StatusOK {
					r.notReady++
				}
				r.pausedSeen = max(r.pausedSeen, paused)
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// pollEvery polls cond every d until it holds or ctx ends.
func pollEvery(ctx context.Context, d time.Duration, cond func() bool) error {
	t := time.NewTicker(d)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
