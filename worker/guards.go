package worker

import (
	"context"
	"errors"
	"github.com/leadworker/leadworker/kafkaadmin"
	"net/http"
	"sync"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/guard"
	"github.com/sirupsen/logrus"
)

// guards is what protects the worker and tells the on-call engineer about it:
// the pause gate (auth, circuit, dlq-flood), the paused departments (scope,
// circuit), the circuit breaker, the flood guard, the metrics and the
// consumer-lag watcher.
type guards struct {
	cfg     GuardConfig
	log     logrus.FieldLogger
	gate    *guard.Gate
	depts   *guard.Departments
	circuit *guard.Circuit
	flood   *guard.Flood
	metrics *metrics
	lags    []*kafkaadmin.LagWatcher // one per consumer group; set by watch
}

func newGuards(cfg GuardConfig, log logrus.FieldLogger) (*guards, error) {
	if err := errors.Join(cfg.Circuit.Validate(), cfg.Flood.Validate()); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	gate := guard.NewGate(time.Now, cfg.ProbeMin, cfg.ProbeMax)
	depts := guard.NewDepartments(time.Now, cfg.ProbeMin, cfg.ProbeMax, cfg.Circuit.MaxDepartments, log)
	g := &guards{
		cfg:     cfg,
		log:     log,
		gate:    gate,
		depts:   depts,
		circuit: guard.NewCircuit(cfg.Circuit, gate, depts, time.Now, log),
		flood:   guard.NewFlood(cfg.Flood, gate, log),
		metrics: newMetrics(),
	}
	g.metrics.watchGuards(gate, depts, g.circuit)
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
	return &processor{match: m, gate: g.gate, depts: g.depts, circuit: g.circuit, log: g.log, now: time.Now}
}

// isolated reports whether req is made for a department whose own circuit is
// open: its failures are that department's and must not shrink the
// in-flight limit of every department (throttle.AIMD.SkipFailures).
func (g *guards) isolated(req *http.Request) bool {
	return g.circuit.DepartmentOpen(guard.DepartmentOf(req.Context()))
}

// finisher returns the finisher of a stage that logs to log.
func (g *guards) finisher(log logrus.FieldLogger) *finisher {
	return &finisher{metrics: g.metrics, flood: g.flood, log: log, now: time.Now}
}

// watch exports the consumers' state (stats, read at scrape time) and
// prepares one lag watcher per consumer group; their Report and Logger are
// the guards' own.
func (g *guards) watch(stats func() consumer.Stats, lags ...kafkaadmin.LagOptions) {
	g.metrics.watchConsumer(stats)
	for _, lag := range lags {
		lag.Interval = g.cfg.LagInterval
		lag.Report = g.metrics.reportLag
		lag.Logger = g.log
		g.lags = append(g.lags, kafkaadmin.NewLagWatcher(lag))
	}
}

// reachable reports whether every lag watcher's last probe reached a broker.
func (g *guards) reachable() bool {
	for _, l := range g.lags {
		if !l.Reachable() {
			return false
		}
	}
	return true
}

// runLag refreshes the lag metric until ctx ends; the returned channel is
// closed when every watcher has stopped.
func (g *guards) runLag(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, l := range g.lags {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Run(ctx)
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

// pauseReason explains a pause for /readyz.
func pauseReason(reasons []string) string {
	switch reasons[0] {
	case guard.ReasonAuth:
		return "myKaarma refuses the credentials (401); paused"
	case guard.ReasonCircuit:
		return "myKaarma is failing for every event (circuit open); paused, probing"
	default:
		return "dead-letter flood; paused until POST /admin/resume or a restart"
	}
}
