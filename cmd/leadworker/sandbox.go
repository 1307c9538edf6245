//go:build !nosandbox

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/leadworker/leadworker/examples"
	"github.com/leadworker/leadworker/sandbox"
)

const demoUsage = `usage: leadworker demo [flags]

Runs the pipeline of leadworker run on an embedded Kafka broker and a fake
myKaarma in this process, produces the sample events in examples/, and prints
what happened to each: its result or dead letter. Nothing to install, nothing
left behind.
`

const benchUsage = `usage: leadworker bench [flags]

Measures the throughput of the pipeline of leadworker run on an embedded Kafka
broker against a fake myKaarma whose latency it sets, beside a sequential
baseline and the ceiling of the handler alone (README.md, "Throughput").

With -failing-department 403 or 503 it measures department isolation
instead: three departments, one answering that status to every call, against
a no-fault run in the same invocation; it reports the healthy departments'
events/s and latency, and how many of the failing department's events were
parked, dead-lettered and answered once the fault was lifted.

With -import N it measures fair share (README.md, "Fair share"): N
new-customer RECALL leads at one department produced at -import-rate per
second, and, from the import's start to its last result, new-customer
SERVICE_DEMAND leads at two other departments, -live-rate per second. It
reports the live leads' dwell (leadworker_dwell_seconds) and wait (produce
to result), the route stage's input lag at its peak, and the import's
throughput, against the live leads alone and the import alone, each run on
a fresh broker. -import-rate or -live-rate without -import imports -events.
`

// demoCommand parses demo's flags and runs sandbox.Demo.
func demoCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("demo", flag.ContinueOnError)
	var o sandbox.DemoOptions
	fset.BoolVar(&o.Verbose, "v", false, "also print the worker's log lines (stderr)")
	fset.BoolVar(&o.Trace, "trace", false, "record spans in memory and print the span tree of one event")
	timeout := fset.Duration("timeout", 60*time.Second, "give up after this long")
	help := func(w io.Writer) { printHelp(w, demoUsage, fset, nil, "") }
	if done, status := parseFlags(fset, args, stdout, stderr, help); done {
		return status
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := sandbox.Demo(ctx, stdout, stderr, o); err != nil {
		fmt.Fprintf(stderr, "leadworker demo: %v\n", err)
		return 1
	}
	return 0
}

// benchCommand parses bench's flags and runs sandbox.Bench.
func benchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o sandbox.BenchOptions
	var timeout time.Duration
	fset := flag.NewFlagSet("bench", flag.ContinueOnError)
	fset.DurationVar(&o.Latency, "latency", 20*time.Millisecond, "latency of every myKaarma call")
	fset.IntVar(&o.Partitions, "partitions", 12, "partitions of the input topic")
	fset.IntVar(&o.Keys, "keys", 1000, "distinct Kafka keys (events of one key are handled in order)")
	fset.IntVar(&o.Events, "events", 5000, "events to process")
	fset.IntVar(&o.MaxInFlight, "max-in-flight", 256, "MAX_IN_FLIGHT")
	fset.Float64Var(&o.RateLimit, "rate-limit", 0, "MYKAARMA_RATE_LIMIT, calls per second (0 = unlimited)")
	fset.IntVar(&o.Sequential, "sequential-sample", 200, "events run through the sequential baseline")
	fset.BoolVar(&o.Adaptive, "adaptive", true, "ADAPTIVE_CONCURRENCY")
	fset.BoolVar(&o.Routing, "routing", true, "IDENTITY_ROUTING")
	fset.IntVar(&o.Replicas, "replicas", 1, "workers in one consumer group (in this process)")
	fset.DurationVar(&timeout, "timeout", 2*time.Minute, "give up after this long")
	fset.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the pipeline phase to this file")
	fset.Float64Var(&o.TraceSample, "trace-sample", 0, "trace this share of the events (0..1) with an SDK provider exporting to a discarding exporter; 0 = export off")
	fset.IntVar(&o.FailingDepartment, "failing-department", 0, "403 or 503: run three departments, one answering this status to every call, against a no-fault run (0 = the throughput bench)")
	fset.BoolVar(&o.FairDispatch, "fair", true, "FAIR_DISPATCH")
	fset.IntVar(&o.MaxBuffered, "max-buffered", 0, "MAX_BUFFERED (0 = its default: 1000, or 2 × -max-in-flight if more)")
	fset.IntVar(&o.BulkThreshold, "bulk-threshold", -1, "with -import: BULK_THRESHOLD (-1 = its default, half of MAX_BUFFERED; 0 = no bulk route)")
	fset.IntVar(&o.Import, "import", 0, "import this many new-customer RECALL leads at one department beside live leads at two others (0 = not this bench)")
	fset.Float64Var(&o.ImportRate, "import-rate", 1000, "with -import: import events produced per second")
	fset.Float64Var(&o.LiveRate, "live-rate", 4, "with -import: live leads produced per second")
	help := func(w io.Writer) { printHelp(w, benchUsage, fset, nil, "") }
	if done, status := parseFlags(fset, args, stdout, stderr, help); done {
		return status
	}
	if o.Latency < 0 || o.Partitions < 1 || o.Keys < 1 || o.Events < 1 || o.MaxInFlight < 1 || o.RateLimit < 0 || o.Sequential < 1 || o.Replicas < 1 || o.TraceSample < 0 || o.TraceSample > 1 {
		fmt.Fprintln(stderr, "leadworker bench: -partitions, -keys, -events, -max-in-flight and -sequential-sample must be >= 1; -latency and -rate-limit >= 0; -trace-sample 0..1")
		return 2
	}
	fset.Visit(func(f *flag.Flag) {
		if (f.Name == "import-rate" || f.Name == "live-rate") && o.Import == 0 {
			o.Import = o.Events
		}
	})
	if o.Import < 0 || o.ImportRate <= 0 || o.LiveRate <= 0 || o.MaxBuffered < 0 {
		fmt.Fprintln(stderr, "leadworker bench: -import and -max-buffered must be >= 0; -import-rate and -live-rate > 0")
		return 2
	}
	if o.Import > 0 && o.FailingDepartment != 0 {
		fmt.Fprintln(stderr, "leadworker bench: -import and -failing-department are two benches: choose one")
		return 2
	}
	if o.FailingDepartment != 0 && o.FailingDepartment != 403 && o.FailingDepartment != 503 {
		fmt.Fprintf(stderr, "leadworker bench: -failing-department %d: want 403 or 503\n", o.FailingDepartment)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := sandbox.Bench(ctx, o, stdout); err != nil {
		fmt.Fprintf(stderr, "leadworker bench: %v\n", err)
		return 1
	}
	return 0
}

// sampleEvents returns the sample events of examples/ that produce sends
// when given no file.
func sampleEvents() fs.FS { return examples.Events }
