package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/leadworker/leadworker/logmask"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/schemas"
	"github.com/leadworker/leadworker/worker"
	"github.com/segmentio/kafka-go"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// countingExporter drops spans and counts them.
type countingExporter struct{ spans atomic.Int64 }

func (e *countingExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.spans.Add(int64(len(spans)))
	return nil
}

func (e *countingExporter) Shutdown(context.Context) error { return nil }

// BenchOptions are bench's settings (leadworker bench's flags).
type BenchOptions struct {
	Latency     time.Duration // injected into every myKaarma call
	Partitions  int
	Keys        int
	Events      int
	MaxInFlight int
	RateLimit   float64
	Sequential  int // events through the plain sequential loop
	Adaptive    bool
	Routing     bool   // IDENTITY_ROUTING
	Replicas    int    // workers in one consumer group, in this process [1]
	CPUProfile  string // pprof CPU profile of the pipeline phase
	// TraceSample, when above 0, traces the pipeline with an SDK provider
	// sampling this share of the events (1 = all) and exporting to a
	// discarding exporter through the batch processor: the cost of recording
	// spans without a network. 0 is export off, as `leadworker run` without
	// a collector. Every bench event carries a producer's traceparent.
	TraceSample float64
	// FailingDepartment, when 403 or 503, runs the failing-department
	// bench instead (benchdept.go): three departments, one answering this
	// status to every call, against a no-fault run.
	FailingDepartment int
	// FairDispatch is FAIR_DISPATCH; MaxBuffered is MAX_BUFFERED, 0 for its
	// default (worker.DefaultMaxBuffered, or 2 × MaxInFlight if more);
	// BulkThreshold is BULK_THRESHOLD, negative for its default of half of
	// MAX_BUFFERED, 0 to send nothing to the bulk route.
	FairDispatch  bool
	MaxBuffered   int
	BulkThreshold int
	// Import, when above 0, runs the import bench instead (benchimport.go):
	// Import new-customer RECALL leads at one department produced at
	// ImportRate per second, and live SERVICE_DEMAND leads at two others,
	// LiveRate per second, against the live leads alone and the import
	// alone.
	Import     int
	ImportRate float64
	LiveRate   float64
}

// maxBuffered is MAX_BUFFERED of o.
func (o BenchOptions) maxBuffered() int {
	if o.MaxBuffered > 0 {
		return o.MaxBuffered
	}
	return max(worker.DefaultMaxBuffered, 2*o.MaxInFlight) // MAX_BUFFERED's default
}

// benchRun is what one bench measured.
type benchRun struct {
	events       int
	dead         int
	elapsed      time.Duration // first produce to last output
	p50, p99     time.Duration // produce to output, per event
	cpu          time.Duration // user + system, whole process
	maxRSSKiB    int64
	callsPerEvt  float64
	seqEvents    int
	seqPerSecond float64
	ceiling      float64 // events/s of the handler alone (benchCeiling)
	spans        int64   // spans exported with TraceSample > 0
}

// Bench measures the pipeline of `leadworker run` on an embedded broker
// against the fake myKaarma with injected latency, then the same workload
// through a plain sequential kafka-go loop and the handler alone, and prints
// the table and, last, the one-line verdict. With o.FailingDepartment it
// runs the failing-department bench instead.
func Bench(ctx context.Context, o BenchOptions, out io.Writer) error {
	if o.FailingDepartment != 0 {
		return benchFailingDepartment(ctx, o, out)
	}
	if o.Import > 0 {
		return benchImport(ctx, o, out)
	}
	const in, seqIn, seqOut = "bench.events", "bench.sequential.events", "bench.sequential.results"
	cfg := Config()
	cfg.InputTopics = []string{in}
	cfg.GroupID = "leadworker-bench"
	cfg.MaxInFlight = o.MaxInFlight
	cfg.MaxBuffered = o.maxBuffered()
	cfg.FairDispatch = o.FairDispatch
	cfg.RateLimit = o.RateLimit
	cfg.AdaptiveConcurrency = o.Adaptive
	cfg.IdentityRouting = o.Routing
	o.Replicas = max(o.Replicas, 1)

	box, err := New(&cfg, o.Partitions, in, cfg.ResultTopic, cfg.DLQTopic, cfg.RouteTopic, seqIn, seqOut)
	if err != nil {
		return err
	}
	defer box.Close()
	fake := box.Fake
	fake.AddFault(mykaarmatest.Fault{Latency: o.Latency}) // delays, then serves normally

	r, err := benchPipeline(ctx, cfg, o, fake)
	if err != nil {
		return err
	}
	r.seqEvents = min(o.Sequential, o.Events)
	r.seqPerSecond, err = benchSequential(ctx, cfg, seqIn, seqOut, benchEvents(o.Events, r.seqEvents, o.Keys))
	if err != nil {
		return fmt.Errorf("sequential baseline: %w", err)
	}
	r.ceiling, err = benchCeiling(ctx, cfg, o, benchEvents(0, o.Events, o.Keys))
	if err != nil {
		return fmt.Errorf("ceiling: %w", err)
	}
	printBench(out, o, r)
	return nil
}

// benchPipeline runs newWorker's pipeline over o.Events events and measures it.
func benchPipeline(ctx context.Context, cfg worker.Config, o BenchOptions, fake *mykaarmatest.Server) (r benchRun, err error) {
	var opts []worker.Option
	if o.TraceSample > 0 {
		exp := &countingExporter{}
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithSampler(sdktrace.TraceIDRatioBased(o.TraceSample)))
		defer func() {
			_ = tp.Shutdown(context.Background()) // after the workers stopped (deferred below, so run first)
			r.spans = exp.spans.Load()
		}()
		opts = append(opts, worker.WithTracerProvider(tp))
	}
	_, stop, err := startBenchWorkers(ctx, cfg, o.Replicas, o.Partitions, opts, false)
	if err != nil {
		return r, err
	}
	defer stop()
	outputs := NewOutputReader(cfg)
	defer outputs.Close()

	msgs := benchEvents(0, o.Events, o.Keys)
	if o.CPUProfile != "" {
		stop, err := startCPUProfile(o.CPUProfile)
		if err != nil {
			return r, err
		}
		defer stop()
	}
	calls0 := len(fake.Requests())
	cpu0 := cpuTime()
	start := time.Now()
	if err := produceBench(ctx, cfg.Brokers, cfg.InputTopics[0], msgs); err != nil {
		return r, err
	}
	if err := outputs.WaitFor(ctx, o.Events, nil); err != nil {
		return r, err
	}
	r.cpu = cpuTime() - cpu0
	r.maxRSSKiB = maxRSS()
	r.callsPerEvt = float64(len(fake.Requests())-calls0) / float64(o.Events)

	results, dead := outputs.Snapshot()
	r.events, r.dead = len(results), len(dead)
	sent := make(map[string]time.Time, len(msgs))
	for _, m := range msgs {
		sent[schemas.PeekEventID(m.Value)] = m.Time
	}
	var lat []time.Duration
	last := start
	for _, m := range slices.Concat(results, dead) {
		last = later(last, m.Time)
		var res struct {
			EventID string `json:"eventId"`
		}
		if json.Unmarshal(m.Value, &res) != nil {
			continue
		}
		if t, ok := sent[res.EventID]; ok {
			lat = append(lat, m.Time.Sub(t))
		}
	}
	if len(lat) == 0 {
		return r, errors.New("no result could be matched to its event")
	}
	slices.Sort(lat)
	r.p50, r.p99 = percentile(lat, 0.50), percentile(lat, 0.99)
	r.elapsed = last.Sub(start)
	return r, nil
}

// startBenchWorkers starts n workers of cfg in one consumer group, silent
// but for warnings, and waits until they own every partition (partitions
// per topic): the input's, with identity routing the route topic's, and the
// parked topic's. With serve they run as leadworker run does (HTTP servers
// at cfg's addresses, the lag watcher); else their consumers only. stop
// stops them all at once, as a fleet stops: no rebalance between them.
func startBenchWorkers(ctx context.Context, cfg worker.Config, n, partitions int, opts []worker.Option, serve bool) ([]*Pipeline, func(), error) {
	var pipelines []*Pipeline
	stop := func() {
		var wg sync.WaitGroup
		for _, p := range pipelines {
			wg.Go(func() { _ = p.Stop() })
		}
		wg.Wait()
	}
	for range max(n, 1) {
		p, err := Start(cfg, PipelineOptions{Serve: serve, Worker: append(slices.Clip(opts), worker.WithLogger(logmask.New("warn", "text", io.Discard)))})
		if err != nil {
			stop()
			return nil, nil, err
		}
		pipelines = append(pipelines, p)
	}
	topics := 1
	if cfg.IdentityRouting {
		topics += 2 // the route and bulk route topics
	}
	if cfg.ParkedTopic != "" {
		topics++
	}
	want := topics * partitions
	owned := func() bool {
		n := 0
		for _, p := range pipelines {
			n += p.Worker.Stats().Partitions
		}
		return n == want
	}
	if err := waitUntil(ctx, owned); err != nil {
		stop()
		return nil, nil, fmt.Errorf("waiting for the workers to own %d partitions: %w", want, err)
	}
	return pipelines, stop, nil
}

// benchDepartments spreads the customers over departments, as a dealer group
// would: the fake searches a department by scanning it (the real API has an
// index), so with one department its search cost would grow with -events.
const benchDepartments = 50

// benchEvents returns n customer events numbered from first, each a customer
// of its own (so that each is a search, then a create), spread over keys
// Kafka keys; a key stays in one department. The record time is set when
// produced.
func benchEvents(first, n, keys int) []kafka.Message {
	return benchEventsIn(first, n, keys, func(key int) string {
		return fmt.Sprintf("7d3f0a52-5c1e-4f7a-9a1b-%012d", key%benchDepartments)
	})
}

// benchEventsIn is benchEvents with the department of each key given by
// dept.
func benchEventsIn(first, n, keys int, dept func(key int) string) []kafka.Message {
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		id := first + i
		ev := map[string]any{
			"eventId":        fmt.Sprintf("bench-%07d", id),
			"eventType":      "customer",
			"occurredAt":     "2026-11-20T09:20:00Z",
			"departmentUuid": dept(id % keys),
			"customer": map[string]any{
				"customerKey":  fmt.Sprintf("BENCH%07d", id),
				"firstName":    "Bench",
				"lastName":     fmt.Sprintf("Customer%d", id),
				"phoneNumbers": []map[string]string{{"phoneNumber": fmt.Sprintf("+1 415 %03d %04d", id/10000%1000, id%10000), "label": "mobile"}},
			},
		}
		b, _ := json.Marshal(ev)
		msgs[i] = kafka.Message{Key: fmt.Appendf(nil, "key-%d", id%keys), Value: b,
			Headers: []kafka.Header{{Key: "traceparent", Value: fmt.Appendf(nil, "00-%016x%016x-%016x-01", 0x5eed, id+1, id+1)}}}
	}
	return msgs
}

// produceBench writes msgs to topic in one burst, stamping each with the time
// it was handed to the writer.
func produceBench(ctx context.Context, brokers []string, topic string, msgs []kafka.Message) error {
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, Balancer: &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond, BatchSize: 500}
	defer w.Close()
	now := time.Now().Truncate(time.Millisecond) // what the record carries
	for i := range msgs {
		msgs[i].Time = now
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("produce %d events: %w", len(msgs), err)
	}
	return nil
}

// printBench prints the table and, last, the one-line verdict.
func printBench(out io.Writer, o BenchOptions, r benchRun) {
	perSecond := float64(r.events+r.dead) / r.elapsed.Seconds()
	limit := math.Inf(1)
	if r.callsPerEvt > 0 && o.Latency > 0 {
		limit = float64(o.MaxInFlight) / (r.callsPerEvt * o.Latency.Seconds())
	}
	rate := "unlimited"
	if o.RateLimit > 0 {
		rate = fmt.Sprintf("%g calls/s", o.RateLimit)
		if r.callsPerEvt > 0 {
			limit = math.Min(limit, o.RateLimit/r.callsPerEvt)
		}
	}
	fmt.Fprintf(out, "leadworker bench: %d partitions, %d keys, myKaarma latency %v, MAX_IN_FLIGHT=%d, rate limit %s, adaptive concurrency %t, identity routing %t, %d replica(s)\n\n",
		o.Partitions, o.Keys, o.Latency, o.MaxInFlight, rate, o.Adaptive, o.Routing, o.Replicas)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "events\t%d (%d results, %d dead letters)\n", r.events+r.dead, r.events, r.dead)
	fmt.Fprintf(tw, "elapsed\t%v (first produce to last output)\n", r.elapsed.Round(time.Millisecond))
	fmt.Fprintf(tw, "events/s\t%.1f\n", perSecond)
	fmt.Fprintf(tw, "latency p50\t%v (input record time to result record time)\n", r.p50)
	fmt.Fprintf(tw, "latency p99\t%v\n", r.p99)
	tracing := "off (export off: each event's traceparent is passed on, no span is recorded)"
	if o.TraceSample > 0 {
		tracing = fmt.Sprintf("sampled %g%% (%d spans, %.1f per event, batched to a discarding exporter)", o.TraceSample*100, r.spans, float64(r.spans)/float64(max(r.events+r.dead, 1)))
	}
	fmt.Fprintf(tw, "tracing\t%s\n", tracing)
	fmt.Fprintf(tw, "CPU s per 1000 events\t%.3f (user+sys of the whole process: worker, broker, fake)\n", r.cpu.Seconds()*1000/float64(r.events+r.dead))
	fmt.Fprintf(tw, "peak RSS\t%.1f MiB (whole process)\n", float64(r.maxRSSKiB)/1024)
	fmt.Fprintf(tw, "myKaarma calls per event\t%.2f\n", r.callsPerEvt)
	fmt.Fprintf(tw, "theoretical limit\t%.1f events/s = min(MAX_IN_FLIGHT / (calls per event × latency), rate limit / calls per event)\n", limit)
	fmt.Fprintf(tw, "sequential kafka-go loop\t%.1f events/s (%d events: fetch, handle, write, commit, one at a time)\n", r.seqPerSecond, r.seqEvents)
	fmt.Fprintf(tw, "ceiling on this machine\t%.1f events/s (the handler alone, %d goroutines, fresh fake: no Kafka, no schema, no output)\n", r.ceiling, o.MaxInFlight)
	tw.Flush()
	ratio, speedup := perSecond/limit, perSecond/r.seqPerSecond
	ceilingRatio := r.ceiling / limit
	if math.IsInf(limit, 1) {
		ratio, ceilingRatio = 0, 0
	}
	fmt.Fprintf(out, "\nceiling_to_limit=%.2f ratio_to_ceiling=%.2f\n", ceilingRatio, perSecond/r.ceiling)
	fmt.Fprintf(out, "ratio_to_limit=%.2f speedup_vs_sequential=%.1f\n", ratio, speedup)
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// maxRSS is the process's peak resident set size in KiB (Linux units).
func maxRSS() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return int64(ru.Maxrss)
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// waitUntil polls cond every 10ms until it holds or ctx ends.
func waitUntil(ctx context.Context, cond func() bool) error {
	t := time.NewTicker(10 * time.Millisecond)
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
