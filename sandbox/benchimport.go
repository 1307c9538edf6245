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
	"github.com/leadworker/leadworker/worker"
	"github.com/segmentio/kafka-go"
)

// The import bench (leadworker bench -import N): an OEM recall campaign of
// N new-customer RECALL leads at one department, produced at ImportRate per
// second, and live SERVICE_DEMAND leads at two other departments, one every
// 1/LiveRate seconds, for as long as the import runs. Three runs, each on a
// fresh broker and fake: the import with the live leads; the live leads
// alone, as many at the same rate; the import alone.

// benchLagEvery is LAG_INTERVAL in the import bench, and how often the
// bench reads leadworker_consumer_lag.
const benchLagEvery = 200 * time.Millisecond

// importRun is what one run of the import bench measured.
type importRun struct {
	imports    int           // import events produced
	importDone int           // of them answered (a result or a dead letter)
	importDead int           // of them dead-lettered
	produced   time.Duration // first to last import produce
	drained    time.Duration // first import produce to the import's last output

	live     int             // live leads produced
	liveDone int             // of them answered
	liveDead int             // of them dead-lettered
	wait     []time.Duration // live: produce to output record time, sorted

	liveDwell   histogram // leadworker_dwell_seconds{priority="normal",route="live"} over the run
	importDwell histogram // {priority="low"}, both routes
	bulkDwell   histogram // {route="bulk"}: the import's events sent to the bulk route

	inputLag   float64 // peak of leadworker_consumer_lag on the input topic
	routeLag   float64 // and on the route topic
	bulkLag    float64 // and on the bulk route topic
	lagSamples int
	twice      int // events with more than one output
}

// benchImport is Bench with o.Import set.
func benchImport(ctx context.Context, o BenchOptions, out io.Writer) error {
	both, err := benchImportRun(ctx, o, o.Import, -1)
	if err != nil {
		return fmt.Errorf("import with live leads: %w", err)
	}
	live, err := benchImportRun(ctx, o, 0, both.live)
	if err != nil {
		return fmt.Errorf("live leads alone: %w", err)
	}
	alone, err := benchImportRun(ctx, o, o.Import, 0)
	if err != nil {
		return fmt.Errorf("import alone: %w", err)
	}
	printBenchImport(out, o, both, live, alone)
	return nil
}

// benchImportConfig is the worker's configuration in the import bench.
func benchImportConfig(o BenchOptions) worker.Config {
	cfg := Config()
	cfg.InputTopics = []string{"bench.import.events"}
	cfg.GroupID = "leadworker-bench"
	cfg.MaxInFlight = o.MaxInFlight
	cfg.MaxBuffered = o.maxBuffered()
	cfg.Bulk.Threshold = o.bulkThreshold()
	cfg.FairDispatch = o.FairDispatch
	cfg.RateLimit = o.RateLimit
	cfg.AdaptiveConcurrency = o.Adaptive
	cfg.IdentityRouting = o.Routing
	// Served as leadworker run is, for its lag watcher, on ports of its own.
	cfg.HTTPAddr, cfg.AdminAddr = "127.0.0.1:0", ""
	cfg.Guards.LagInterval = benchLagEvery
	return cfg
}

// bulkThreshold is BULK_THRESHOLD of o.
func (o BenchOptions) bulkThreshold() int {
	if o.BulkThreshold >= 0 {
		return o.BulkThreshold
	}
	return o.maxBuffered() / 2 // BULK_THRESHOLD's default
}

// benchImportRun produces imports import events and live leads: n of them,
// or with n < 0 until the import is answered; it waits until every event is
// answered and measures.
func benchImportRun(ctx context.Context, o BenchOptions, imports, n int) (r importRun, err error) {
	cfg := benchImportConfig(o)
	in := cfg.InputTopics[0]
	box, err := New(&cfg, o.Partitions, in, cfg.ResultTopic, cfg.DLQTopic, cfg.RouteTopic)
	if err != nil {
		return r, err
	}
	defer box.Close()
	box.Fake.AddFault(mykaarmatest.Fault{Latency: o.Latency}) // delays, then serves normally
	pipelines, stop, err := startBenchWorkers(ctx, cfg, o.Replicas, o.Partitions, nil, true)
	if err != nil {
		return r, err
	}
	defer stop()
	var public []http.Handler
	for _, p := range pipelines {
		public = append(public, p.Worker.Handler())
	}
	outputs := NewOutputReader(cfg)
	defer outputs.Close()

	dwell := func(labels map[string]string) histogram {
		return scrapeHistogram(public, "leadworker_dwell_seconds", labels)
	}
	liveL, importL, bulkL := map[string]string{"priority": "normal", "route": "live"}, map[string]string{"priority": "low"}, map[string]string{"route": "bulk"}
	liveBefore, importBefore, bulkBefore := dwell(liveL), dwell(importL), dwell(bulkL)
	lagDone := sampleLag(public, in, cfg.RouteTopic, cfg.BulkRouteTopic, &r)

	// A producer that fails ends the run with its error.
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	importMsgs := benchImportLeads(imports, o.Keys)
	answered := make(chan struct{}) // the import is answered
	var (
		wg       sync.WaitGroup
		liveMsgs []kafka.Message
	)
	start := time.Now()
	wg.Go(func() {
		if err := producePaced(runCtx, cfg.Brokers, in, importMsgs, o.ImportRate); err != nil {
			cancel(err)
		}
		r.produced = time.Since(start)
	})
	if n != 0 {
		wg.Go(func() {
			var err error
			if liveMsgs, err = produceLive(runCtx, cfg.Brokers, in, o.LiveRate, n, answered); err != nil {
				cancel(err)
			}
		})
	}
	waitErr := waitOutputsOf(runCtx, outputs, imports, isImport)
	close(answered)
	wg.Wait()
	if waitErr == nil {
		waitErr = waitOutputsOf(runCtx, outputs, len(liveMsgs), isLive)
	}
	lagDone()
	if cause := context.Cause(runCtx); cause != nil && !errors.Is(cause, context.Canceled) {
		return r, cause
	}
	if waitErr != nil {
		return r, waitErr
	}
	r.liveDwell, r.importDwell, r.bulkDwell = dwell(liveL).minus(liveBefore), dwell(importL).minus(importBefore), dwell(bulkL).minus(bulkBefore)
	measureImport(&r, outputs, importMsgs, liveMsgs, start)
	return r, nil
}

// measureImport fills in r from the outputs: what was answered, how long
// each live lead waited, and how long the import took to drain.
func measureImport(r *importRun, outputs *OutputReader, importMsgs, liveMsgs []kafka.Message, start time.Time) {
	r.imports, r.live = len(importMsgs), len(liveMsgs)
	sent := make(map[string]time.Time, len(liveMsgs))
	for _, m := range liveMsgs {
		sent[schemas.PeekEventID(m.Value)] = m.Time
	}
	results, dead := outputs.Snapshot()
	seen := make(map[string]int, len(results)+len(dead))
	last := start
	for i, m := range slices.Concat(results, dead) {
		id := schemas.PeekEventID(m.Value)
		if seen[id]++; seen[id] == 2 {
			r.twice++
		}
		if seen[id] > 1 {
			continue
		}
		deadLetter := i >= len(results)
		switch {
		case isImport(id):
			r.importDone++
			if deadLetter {
				r.importDead++
			}
			last = later(last, m.Time)
		case isLive(id):
			r.liveDone++
			if deadLetter {
				r.liveDead++
			}
			if t, ok := sent[id]; ok {
				r.wait = append(r.wait, m.Time.Sub(t))
			}
		}
	}
	slices.Sort(r.wait)
	if r.imports > 0 {
		r.drained = last.Sub(start)
	}
}

// sampleLag reads leadworker_consumer_lag of the input, route and bulk
// route topics every benchLagEvery until the returned function is called,
// keeping the peaks of each (summed over partitions and workers) in r.
func sampleLag(public []http.Handler, input, route, bulk string, r *importRun) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(benchLagEvery)
		defer t.Stop()
		for {
			r.inputLag = max(r.inputLag, scrapeGauge(public, "leadworker_consumer_lag", map[string]string{"topic": input}))
			r.routeLag = max(r.routeLag, scrapeGauge(public, "leadworker_consumer_lag", map[string]string{"topic": route}))
			r.bulkLag = max(r.bulkLag, scrapeGauge(public, "leadworker_consumer_lag", map[string]string{"topic": bulk}))
			r.lagSamples++
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
