package workertest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/sandbox"
	"github.com/leadworker/leadworker/worker"
	"github.com/sirupsen/logrus"
)

// Options adjust what Start starts. The zero value is a silent worker with a
// test's timings.
type Options struct {
	// Config changes the worker's configuration after Start has pointed it
	// at the broker and the fake (a wrong password, say). The topics are
	// created from the default names before it runs.
	Config func(*worker.Config)
	// Log receives the worker's log; nil: silent.
	Log logrus.FieldLogger
	// Worker are worker.New's options (a tracer provider, propagators).
	Worker []worker.Option
}

// Pipeline is a running worker on the sandbox.
type Pipeline struct {
	// Config is the worker's configuration, brokers and myKaarma included.
	Config worker.Config
	// Fake is the myKaarma the worker calls: seed it, inject faults.
	Fake *mykaarmatest.Server
	// Worker is the running worker.
	Worker *worker.Worker
	// HTTP serves the worker's handler (/metrics, /readyz, /healthz).
	HTTP *httptest.Server
	// Outputs follows the result and dead-letter topics from the start.
	Outputs *sandbox.OutputReader
}

// Config is the configuration Start begins with: the sandbox's, with HTTP
// and admin listeners on free loopback ports and retries, circuit probes and
// lag reports in milliseconds, so that a test of a fault ends quickly.
func Config() worker.Config {
	cfg := sandbox.Config()
	cfg.HTTPAddr, cfg.AdminAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.RetryInitial, cfg.RetryMax, cfg.RetryMaxElapsed = 20*time.Millisecond, 100*time.Millisecond, 400*time.Millisecond
	cfg.Guards.ProbeMin, cfg.Guards.ProbeMax, cfg.Guards.LagInterval = 100*time.Millisecond, 300*time.Millisecond, 100*time.Millisecond
	return cfg
}

// Start runs a worker on a new sandbox until t ends; then it stops the
// worker (failing t if Run returned an error), then the broker and the fake.
func Start(t testing.TB, o Options) *Pipeline {
	t.Helper()
	cfg := Config()
	sb, err := sandbox.New(&cfg, 2, cfg.InputTopics[0], cfg.ResultTopic, cfg.DLQTopic, cfg.RouteTopic)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	if o.Config != nil {
		o.Config(&cfg)
	}
	w, err := worker.New(cfg, o.Log, nil, o.Worker...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- w.Run(ctx) }()
	srv := httptest.NewServer(w.Handler())
	outputs := sandbox.NewOutputReader(cfg)
	t.Cleanup(func() {
		outputs.Close()
		srv.Close()
		cancel()
		if err := <-stopped; err != nil {
			t.Errorf("worker run: %v", err)
		}
	})
	return &Pipeline{Config: cfg, Fake: sb.Fake, Worker: w, HTTP: srv, Outputs: outputs}
}
