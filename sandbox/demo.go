package sandbox

import (
	"context"
	"fmt"
	"github.com/leadworker/leadworker/kafkaadmin"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/leadworker/leadworker/console"
	"github.com/leadworker/leadworker/examples"
	"github.com/leadworker/leadworker/logmask"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/schemas"
	"github.com/leadworker/leadworker/worker"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

const demoDepartment = examples.Department

// The samples the demo sends apart from the others.
const (
	// sameCustomer is newCustomer's customer again, under another Kafka
	// key. It is sent once newCustomer is on the route topic: both then
	// queue on one route partition (keyed by the customer's identity) and
	// are handled in the order the table names them.
	newCustomer  = "01-new-customer-lead.json"
	sameCustomer = "09-same-customer-other-key.json"
	// transient meets a 503 from myKaarma and is retried.
	transient = "06-transient-failure.json"
)

// DemoOptions are demo's flags.
type DemoOptions struct {
	Verbose bool // also print the worker's log lines to stderr
	// Trace records the spans in memory and prints the span tree of one
	// event: the transient-failure sample, which arrives with a CRM
	// producer's traceparent.
	Trace bool
}

// Demo runs the same pipeline as `leadworker run` on an embedded Kafka broker
// and a fake myKaarma, feeds it the sample events in examples/, and prints
// what happened to out.
func Demo(ctx context.Context, out, stderr io.Writer, o DemoOptions) error {
	cfg := Config()
	demoDepartmentConfig(&cfg)
	box, err := New(&cfg, 0)
	if err != nil {
		return err
	}
	defer box.Close()
	fake := box.Fake
	seeded := seedDemoCustomers(fake)
	grant := fake.AddFault(mykaarmatest.Fault{Department: forbiddenDepartment, Status: http.StatusForbidden, Body: scopeMissing})
	// The topics as `leadworker topics create` makes them: the dead-letter
	// and route topics with room for headers above the input's limit.
	if _, err := kafkaadmin.CreateTopics(ctx, kafkaadmin.TopicsSpec{
		Brokers: cfg.Brokers, Inputs: cfg.InputTopics, Result: cfg.ResultTopic, DLQ: cfg.DLQTopic, Route: cfg.RouteTopic,
		Bulk: cfg.BulkRouteTopic, Parked: cfg.ParkedTopic, Partitions: 3, ReplicationFactor: 1,
	}); err != nil {
		return fmt.Errorf("create the topics: %w", err)
	}

	fmt.Fprintf(out, "leadworker demo\n  embedded Kafka   %s, 3 partitions per topic:\n", cfg.Brokers[0])
	fmt.Fprintf(out, "    input          %s\n    route          %s (keyed by customer identity)\n", cfg.InputTopics[0], cfg.RouteTopic)
	fmt.Fprintf(out, "    results        %s\n    dead letters   %s\n", cfg.ResultTopic, cfg.DLQTopic)
	fmt.Fprintf(out, "    bulk route     %s (a flooding department's events)\n", cfg.BulkRouteTopic)
	fmt.Fprintf(out, "    parked         %s (a paused department's events)\n", cfg.ParkedTopic)
	fmt.Fprintf(out, "  fake myKaarma    %s\n", cfg.BaseURL)
	fmt.Fprintf(out, "  seeded customers %s\n", strings.Join(seeded, "; "))
	fmt.Fprintf(out, "  forbidden        department %s: myKaarma answers 403 until the demo grants its scope\n\n", forbiddenDepartment)

	logOut := io.Discard
	if o.Verbose {
		logOut = stderr
	}
	var opts []worker.Option
	var spans *tracetest.InMemoryExporter
	if o.Trace {
		spans = tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
		defer func() { _ = tp.Shutdown(context.Background()) }()
		opts = append(opts, worker.WithTracerProvider(tp))
	}
	p, err := Start(cfg, PipelineOptions{Worker: append(opts, worker.WithLogger(logmask.New("info", "text", logOut)))})
	if err != nil {
		return err
	}
	defer func() { _ = p.Stop() }()

	samples, err := console.Samples(examples.Events)
	if err != nil {
		return err
	}
	outputs := NewOutputReader(cfg)
	defer outputs.Close()

	// 1. Every sample but two. 2. Once the new customer is on the route
	// topic, the same customer under another key. 3. With myKaarma's next
	// search answering 503, the transient-failure sample.
	var first []console.Record
	var again, retried console.Record
	for _, s := range samples {
		switch s.Name {
		case sameCustomer:
			again = s
		case transient:
			retried = s
		default:
			first = append(first, s)
		}
	}
	if again.Name == "" || retried.Name == "" {
		return fmt.Errorf("examples: %s or %s is missing", sameCustomer, transient)
	}
	k := console.Kafka{Brokers: cfg.Brokers}
	if _, err := console.Produce(ctx, k, cfg.InputTopics[0], first); err != nil {
		return fmt.Errorf("produce samples: %w", err)
	}
	fmt.Fprintf(out, "produced %d events to %s\n", len(first), cfg.InputTopics[0])
	if _, err := console.Produce(ctx, k, cfg.InputTopics[0], forbiddenSamples()); err != nil {
		return fmt.Errorf("produce the forbidden department's events: %w", err)
	}
	fmt.Fprintf(out, "produced %d events of the forbidden department to %s\n", forbiddenEvents, cfg.InputTopics[0])
	if err := waitRouted(ctx, cfg, schemas.PeekEventID(sampleValue(first, newCustomer))); err != nil {
		return err
	}
	if _, err := console.Produce(ctx, k, cfg.InputTopics[0], []console.Record{again}); err != nil {
		return fmt.Errorf("produce samples: %w", err)
	}
	fmt.Fprintf(out, "%s is on %s; produced %s: the same customer under another Kafka key\n", newCustomer, cfg.RouteTopic, sameCustomer)
	if err := outputs.WaitFor(ctx, len(first)+1, out); err != nil {
		return err
	}
	// The samples' department only: the forbidden department's probes
	// must not take the 503 meant for the transient-failure sample.
	fake.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpSearch, Department: demoDepartment, Status: http.StatusServiceUnavailable, Times: 1})
	retried.Headers = map[string]string{"traceparent": demoTraceparent}
	fmt.Fprintf(out, "myKaarma will answer the next search with 503; produced %s\n", retried.Name)
	if _, err := console.Produce(ctx, k, cfg.InputTopics[0], []console.Record{retried}); err != nil {
		return fmt.Errorf("produce samples: %w", err)
	}
	if err := outputs.WaitFor(ctx, len(samples), out); err != nil {
		return err
	}
	forbidden, err := awaitParked(ctx, p, outputs)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "the forbidden department's %d events are parked on %s; granting its scope\n", forbiddenEvents, cfg.ParkedTopic)
	if err := grantScope(ctx, grant, outputs, &forbidden); err != nil {
		return err
	}

	printOutcomes(out, cfg, outputs, samples, fake)
	printForbidden(out, cfg, len(samples), forbidden)
	if spans != nil {
		// An event's spans end before its output is written: all have ended.
		printTrace(out, retried.Name, spans.GetSpans())
	}
	return nil
}

// sampleValue is the value of the sample named name, or nil.
func sampleValue(samples []console.Record, name string) []byte {
	for _, s := range samples {
		if s.Name == name {
			return s.Value
		}
	}
	return nil
}

// Config is the worker's default configuration with retries and timeouts
// shortened for a sandbox.
func Config() worker.Config {
	cfg := worker.DefaultConfig()
	cfg.RetryInitial = 100 * time.Millisecond
	cfg.RetryMax = time.Second
	cfg.RetryMaxElapsed = 20 * time.Second
	cfg.CallTimeout = 2 * time.Second
	cfg.DrainTimeout = 5 * time.Second
	return cfg
}

// seedDemoCustomers gives the fake the customers the sample events match.
func seedDemoCustomers(fake *mykaarmatest.Server) []string {
	var seeded []string
	for _, c := range examples.Customers() {
		fake.AddCustomer(examples.Department, c.CustomerWithVehicles)
		seeded = append(seeded, c.Shows)
	}
	return seeded
}

func printOutcomes(out io.Writer, cfg worker.Config, o *OutputReader, samples []console.Record, fake *mykaarmatest.Server) {
	names := map[string]string{}
	for _, s := range samples {
		names[string(s.Key)] = s.Name
	}
	all, results, dead := sampleOutputs(o, names)
	name := func(o console.Output) string { return names[string(o.Key)] }
	sort.SliceStable(all, func(i, j int) bool { return name(all[i]) < name(all[j]) })

	fmt.Fprintf(out, "\nOUTCOMES in sample order: %d results on %s, %d dead letters on %s\n",
		results, cfg.ResultTopic, dead, cfg.DLQTopic)
	console.NewTable(out, console.TableOptions{First: "SAMPLE", Name: name}).Write(all...)

	fmt.Fprintln(out, "\nDEAD LETTERS: the input's key and bytes, untouched, with these headers")
	for _, d := range all {
		if d.DeadLetter {
			console.PrintHeaders(out, name(d), d)
		}
	}
	leads := 0
	for _, l := range fake.AllLeads() {
		leads += len(l)
	}
	nguyens := 0
	for _, c := range fake.Customers(demoDepartment) {
		if c.Customer.LastName == "Nguyen" {
			nguyens++
		}
	}
	fmt.Fprintf(out, "\nAlice Nguyen was sent twice under two Kafka keys (samples 01 and 09); routed by her identity, both queued on\n"+
		"one route partition and were handled in order: myKaarma holds %d customer named Nguyen.\n", nguyens)
	fmt.Fprintf(out, "myKaarma now holds %d customers (4 seeded) and %d queued leads; %d API calls were made.\n",
		len(fake.Customers(demoDepartment)), leads, len(fake.Requests()))
	fmt.Fprintln(out, "Every input has exactly one output, and its offset was committed only after that output was acknowledged.")
}

// sampleOutputs returns the outputs of the samples (names maps their keys
// to their names), and how many are results and dead letters.
func sampleOutputs(o *OutputReader, names map[string]string) (all []console.Output, results, dead int) {
	rs, ds := o.Snapshot()
	for _, m := range rs {
		if _, ok := names[string(m.Key)]; ok {
			all = append(all, console.Output{Message: m})
			results++
		}
	}
	for _, m := range ds {
		if _, ok := names[string(m.Key)]; ok {
			all = append(all, console.Output{Message: m, DeadLetter: true})
			dead++
		}
	}
	return all, results, dead
}
