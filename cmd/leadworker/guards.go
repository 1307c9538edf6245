package main

import (
	"context"
	"net/http"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

// guards is what protects the worker and tells the on-call engineer about it:
// the pause gate (auth, circuit, dlq-flood), the circuit breaker, the flood
// guard, the metrics and the consumer-lag watcher.
type guards struct {
	cfg     guardConfig
	log     logrus.FieldLogger
	gate    *pauseGate
	circuit *circuit
	flood   *floodGuard
	metrics *metrics
	lag     *lagWatcher // nil until watch
}

func newGuards(cfg guardConfig, log logrus.FieldLogger) *guards {
	cfg = cfg.withDefaults()
	gate := newPauseGate(time.Now, cfg.ProbeMin, cfg.ProbeMax)
	g := &guards{
		cfg:     cfg,
		log:     log,
		gate:    gate,
		circuit: newCircuit(cfg.Circuit, gate, time.Now, log),
		flood:   newFloodGuard(cfg.Flood, gate, log),
		metrics: newMetrics(),
	}
	g.metrics.watchGuards(gate, g.circuit)
	return g
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
	g.flood.Outcome(m, out, latency)
}

// watch exports c's in-flight state and prepares the lag watcher for the
// group's input topics; transport may be nil (kafkasec.go).
func (g *guards) watch(c *consumer.Consumer, brokers []string, group string, topics []string, dialer *kafka.Dialer, transport kafka.RoundTripper) {
	g.metrics.watchConsumer(c)
	g.lag = &lagWatcher{
		client:  &kafka.Client{Addr: kafka.TCP(brokers...), Transport: transport, Timeout: 10 * time.Second},
		group:   group,
		topics:  topics,
		brokers: brokers,
		dialer:  dialer,
		every:   g.cfg.LagInterval,
		metrics: g.metrics,
		log:     g.log,
	}
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
		g.lag.run(ctx)
	}()
	return done
}

// pauseReason explains a pause for /readyz.
func pauseReason(reasons []string) string {
	switch reasons[0] {
	case reasonAuth:
		return "myKaarma refuses the credentials; paused"
	case reasonCircuit:
		return "myKaarma is failing for every event (circuit open); paused, probing"
	default:
		return "dead-letter flood; paused until POST /admin/resume or a restart"
	}
}
