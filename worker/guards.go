package worker

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/guard"
	"github.com/sirupsen/logrus"
)

// guards is what protects the worker and tells the on-call engineer about it:
// the pause gate (auth, circuit, dlq-flood), the circuit breaker, the flood
// guard, the metrics and the consumer-lag watcher.
type guards struct {
	cfg     GuardConfig
	log     logrus.FieldLogger
	gate    *guard.Gate
	circuit *guard.Circuit
	flood   *guard.Flood
	metrics *metrics
	lag     *consumer.LagWatcher // nil until watch
}

func newGuards(cfg GuardConfig, log logrus.FieldLogger) (*guards, error) {
	if err := errors.Join(cfg.Circuit.Validate(), cfg.Flood.Validate()); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	gate := guard.NewGate(time.Now, cfg.ProbeMin, cfg.ProbeMax)
	g := &guards{
		cfg:     cfg,
		log:     log,
		gate:    gate,
		circuit: guard.NewCircuit(cfg.Circuit, gate, time.Now, log),
		flood:   guard.NewFlood(cfg.Flood, gate, log),
		metrics: newMetrics(),
	}
	g.metrics.watchGuards(gate, g.circuit)
	return g, nil
}

// wrap returns rt (nil: http.DefaultTransport) with every myKaarma call
// counted, timed and fed to the circuit.
func (g *guards) wrap(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &callTransport{next: rt, metrics: g.metrics, circuit: g.circuit, now: time.Now}
}

// processor returns the consumer.Handler that runs m behind the gate.
func (g *guards) processor(m matcher) *processor {
	return &processor{match: m, gate: g.gate, circuit: g.circuit, log: g.log, now: time.Now}
}

// Outcome implements consumer.Observer: metrics, then the flood guard.
func (g *guards) Outcome(m *consumer.Message, out consumer.Outcome, latency time.Duration) {
	g.metrics.Outcome(m, out, latency)
	g.flood.Record(out.DeadLetter != nil)
}

// watch exports c's in-flight state and prepares the lag watcher; lag's
// Report and Logger are the guards' own.
func (g *guards) watch(c *consumer.Consumer, lag consumer.LagOptions) {
	g.metrics.watchConsumer(c)
	lag.Interval = g.cfg.LagInterval
	lag.Report = g.metrics.reportLag
	lag.Logger = g.log
	g.lag = consumer.NewLagWatcher(lag)
}

// runLag refreshes the lag metric until ctx ends; the returned channel is
// closed when its goroutine has stopped.
func (g *guards) runLag(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	if g.lag == nil {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		g.lag.Run(ctx)
	}()
	return done
}

// pauseReason explains a pause for /readyz.
func pauseReason(reasons []string) string {
	switch reasons[0] {
	case guard.ReasonAuth:
		return "myKaarma refuses the credentials; paused"
	case guard.ReasonCircuit:
		return "myKaarma is failing for every event (circuit open); paused, probing"
	default:
		return "dead-letter flood; paused until POST /admin/resume or a restart"
	}
}
