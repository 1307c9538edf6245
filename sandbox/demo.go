package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadworker/leadworker/examples"
	"github.com/leadworker/leadworker/logmask"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/schemas"
	"github.com/leadworker/leadworker/worker"
	"github.com/segmentio/kafka-go"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

const demoDepartment = examples.Department

// Sample is one event to produce: its name (a file in examples/), its Kafka
// key, its value and its headers (such as a producer's traceparent).
type Sample struct {
	Name    string
	Value   []byte
	Key     string
	Headers map[string]string
}

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
	box, err := New(&cfg, 3, cfg.InputTopics[0], cfg.ResultTopic, cfg.DLQTopic, cfg.RouteTopic)
	if err != nil {
		return err
	}
	defer box.Close()
	fake := box.Fake
	seeded := seedDemoCustomers(fake)

	fmt.Fprintf(out, "leadworker demo\n  embedded Kafka   %s (topics %s, %s, %s; 3 partitions each)\n  fake myKaarma    %s\n",
		cfg.Brokers[0], cfg.InputTopics[0], cfg.ResultTopic, cfg.DLQTopic, cfg.BaseURL)
	fmt.Fprintf(out, "  seeded customers %s\n\n", strings.Join(seeded, "; "))

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
	w, err := worker.New(cfg, logmask.New("info", "text", logOut), nil, opts...)
	if err != nil {
		return err
	}
	runCtx, stopWorker := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- w.RunConsumers(runCtx) }()
	defer func() {
		stopWorker()
		<-stopped
	}()

	samples, err := loadSamples()
	if err != nil {
		return err
	}
	outputs := NewOutputReader(cfg)
	defer outputs.Close()

	// Phase 1: every sample but the transient-failure one.
	// Phase 2: make myKaarma's next search answer 503, then send that one.
	var first, second []Sample
	for _, s := range samples {
		if strings.Contains(s.Name, "transient") {
			second = append(second, s)
		} else {
			first = append(first, s)
		}
	}
	if err := Produce(ctx, cfg, first); err != nil {
		return err
	}
	fmt.Fprintf(out, "produced %d events to %s; waiting for their outcomes\n", len(first), cfg.InputTopics[0])
	if err := outputs.WaitFor(ctx, len(first), out); err != nil {
		return err
	}
	fake.FailNext(mykaarmatest.OpSearch, 1, 503)
	second[0].Headers = map[string]string{"traceparent": demoTraceparent}
	fmt.Fprintf(out, "myKaarma will answer the next search with 503; producing %s\n", second[0].Name)
	if err := Produce(ctx, cfg, second); err != nil {
		return err
	}
	if err := outputs.WaitFor(ctx, len(samples), out); err != nil {
		return err
	}

	printOutcomes(out, outputs, samples, fake)
	if spans != nil {
		// An event's spans end before its output is written: all have ended.
		printTrace(out, second[0].Name, spans.GetSpans())
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

func loadSamples() ([]Sample, error) {
	var out []Sample
	err := fs.WalkDir(examples.Events, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(examples.Events, path)
		if err != nil {
			return err
		}
		key := schemas.PeekEventID(b)
		if key == "" {
			key = path
		}
		out = append(out, Sample{Name: path, Value: b, Key: key})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// Produce writes samples to the first input topic, keyed by Sample.Key and
// partitioned as the Java client's default partitioner does (murmur2).
func Produce(ctx context.Context, cfg worker.Config, samples []Sample) error {
	w := &kafka.Writer{Addr: kafka.TCP(cfg.Brokers...), Topic: cfg.InputTopics[0], Balancer: &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond}
	defer w.Close()
	msgs := make([]kafka.Message, len(samples))
	for i, s := range samples {
		msgs[i] = kafka.Message{Key: []byte(s.Key), Value: s.Value}
		for k, v := range s.Headers {
			msgs[i].Headers = append(msgs[i].Headers, kafka.Header{Key: k, Value: []byte(v)})
		}
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("produce samples: %w", err)
	}
	return nil
}

func printOutcomes(out io.Writer, o *OutputReader, samples []Sample, fake *mykaarmatest.Server) {
	names := map[string]string{}
	for _, s := range samples {
		names[s.Key] = s.Name
	}
	results, dead := o.Snapshot()

	fmt.Fprintf(out, "\nRESULTS (%d records on the result topic)\n", len(results))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SAMPLE\tTYPE\tOUTCOME\tCUSTOMER\tRULE\tATTEMPTS\tCUSTOMER UUID\tWARNINGS")
	for _, m := range results {
		var r schemas.Result
		_ = json.Unmarshal(m.Value, &r)
		var warns []string
		for _, w := range r.Warnings {
			warns = append(warns, w.Code)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", names[string(m.Key)], r.EventType, r.Outcome, r.CustomerAction,
			r.MatchRule, r.Attempts, r.CustomerUUID, strings.Join(warns, ","))
	}
	tw.Flush()

	fmt.Fprintf(out, "\nDEAD LETTERS (%d records on the dead-letter topic, original bytes kept)\n", len(dead))
	for _, m := range dead {
		fmt.Fprintf(out, "  %s\n", names[string(m.Key)])
		for _, h := range m.Headers {
			fmt.Fprintf(out, "      %-17s %s\n", h.Key, h.Value)
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
	fmt.Fprintf(out, "\nAlice Nguyen was sent twice under two Kafka keys (samples 01 and 09): myKaarma holds %d customer named Nguyen.\n", nguyens)
	fmt.Fprintf(out, "myKaarma now holds %d customers (4 seeded) and %d queued leads; %d API calls were made.\n",
		fake.CustomerCount(), leads, len(fake.Requests()))
	fmt.Fprintln(out, "Every input has exactly one output, and its offset was committed only after that output was acknowledged.")
}
