package sandbox

import (
	"context"

	"github.com/leadworker/leadworker/worker"
)

// Pipeline is a worker running in this process until Stop: what demo, bench
// and the tests of the pipeline start.
type Pipeline struct {
	Worker  *worker.Worker
	cancel  context.CancelFunc
	stopped chan error
}

// PipelineOptions says how Start runs the worker.
type PipelineOptions struct {
	// Serve runs it as leadworker run does (Worker.Run: the HTTP servers at
	// the configured addresses, the route topic check, the lag watcher);
	// false runs only its consumers (Worker.RunConsumers).
	Serve bool
	// Worker are the options of worker.New, such as its logger.
	Worker []worker.Option
}

// Start builds a worker from cfg and runs it until Stop.
func Start(cfg worker.Config, o PipelineOptions) (*Pipeline, error) {
	w, err := worker.New(cfg, o.Worker...)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pipeline{Worker: w, cancel: cancel, stopped: make(chan error, 1)}
	run := w.RunConsumers
	if o.Serve {
		run = w.Run
	}
	go func() { p.stopped <- run(ctx) }()
	return p, nil
}

// Stop stops the worker as SIGTERM does and returns what its run returned.
// Call it once.
func (p *Pipeline) Stop() error {
	p.cancel()
	return <-p.stopped
}
