package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/throttle"
	"github.com/sirupsen/logrus"
)

// Worker is the wired pipeline: consumer → processor → handlers → myKaarma.
type Worker struct {
	consumer *consumer.Consumer
	guards   *guards // pause gate, circuit, flood guard, metrics, lag
	log      logrus.FieldLogger
	// concurrency adapts the consumer's in-flight limit; nil when
	// ADAPTIVE_CONCURRENCY is off. Its Limit() is the current limit.
	concurrency *throttle.AIMD
}

// New wires the pipeline from cfg. httpClient may be nil; its transport
// (or a pooled one sized for MAX_IN_FLIGHT) is wrapped so that every myKaarma
// call passes the rate limit, then the metrics and circuit observer, then the
// adaptive-concurrency observer.
func New(cfg Config, log logrus.FieldLogger, httpClient *http.Client) (*Worker, error) {
	guards, err := newGuards(cfg.Guards, log)
	if err != nil {
		return nil, fmt.Errorf("guards: %w", err)
	}
	hc, concurrency := myKaarmaHTTP(cfg, log, httpClient, guards.wrap)
	client, err := mykaarma.New(cfg.BaseURL, mykaarma.Options{
		Username: cfg.Username, Password: cfg.Password,
		Timeout: cfg.CallTimeout, HTTPClient: hc,
	})
	if err != nil {
		return nil, fmt.Errorf("mykaarma client: %w", err)
	}
	h, err := handlers.New(handlers.Options{
		API:        client,
		MaxResults: cfg.MaxResults,
		Retry: handlers.RetryOptions{
			InitialInterval: cfg.RetryInitial,
			MaxInterval:     cfg.RetryMax,
			MaxElapsed:      cfg.RetryMaxElapsed,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("handler: %w", err)
	}
	dialer, transport, err := consumer.Connections(cfg.Kafka)
	if err != nil {
		return nil, err
	}
	c, err := consumer.New(consumer.Options{
		Brokers:        cfg.Brokers,
		GroupID:        cfg.GroupID,
		Topics:         cfg.InputTopics,
		ResultTopic:    cfg.ResultTopic,
		DLQTopic:       cfg.DLQTopic,
		Handler:        guards.processor(h),
		Observer:       guards,
		OrderKey:       orderKey,
		MaxInFlight:    cfg.MaxInFlight,
		MaxBuffered:    cfg.MaxBuffered,
		MaxRecordBytes: cfg.MaxRecordBytes,
		DrainTimeout:   cfg.DrainTimeout,
		Dialer:         dialer,
		Transport:      transport,
		Logger:         log,
	})
	if err != nil {
		return nil, err
	}
	if concurrency != nil {
		concurrency.Setter(c.SetMaxInFlight)
	}
	guards.watch(c, consumer.LagOptions{Brokers: cfg.Brokers, GroupID: cfg.GroupID, Topics: cfg.InputTopics, Dialer: dialer, Transport: transport})
	return &Worker{consumer: c, guards: guards, log: log, concurrency: concurrency}, nil
}

// myKaarmaHTTP returns the client for myKaarma calls: rate limit outermost
// (time spent waiting for a turn is not myKaarma's latency, nor a failure of
// it), then observe (metrics and the circuit), then the adaptive-concurrency
// observer, then the transport.
func myKaarmaHTTP(cfg Config, log logrus.FieldLogger, base *http.Client, observe func(http.RoundTripper) http.RoundTripper) (*http.Client, *throttle.AIMD) {
	hc := &http.Client{}
	if base != nil {
		c := *base
		hc = &c
	}
	if hc.Transport == nil {
		// The default keeps two idle connections per host, so a full in-flight
		// window would open and close connections on every call.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = max(t.MaxIdleConns, cfg.MaxInFlight)
		t.MaxIdleConnsPerHost = cfg.MaxInFlight
		hc.Transport = t
	}
	var concurrency *throttle.AIMD
	if cfg.AdaptiveConcurrency {
		concurrency = throttle.NewAIMD(hc.Transport, cfg.MaxInFlight, time.Now, log)
		hc.Transport = concurrency
	}
	hc.Transport = throttle.NewRateLimited(observe(hc.Transport), cfg.RateLimit)
	return hc, concurrency
}

// Consumer is the worker's consumer, for running it without the HTTP
// server (demo, bench) and for its Stats.
func (w *Worker) Consumer() *consumer.Consumer { return w.consumer }

// ready reports whether the worker can do work, and if not, why.
func (w *Worker) ready() (bool, string) {
	switch {
	case !w.consumer.Joined():
		return false, "not a member of the consumer group (Kafka unreachable or rebalancing)"
	case !w.guards.lag.Reachable():
		return false, "no Kafka broker answered the last probe"
	case len(w.guards.gate.Reasons()) > 0:
		return false, pauseReason(w.guards.gate.Reasons())
	}
	return true, "ok"
}

// Handler serves /healthz (the process is alive) and /readyz (it can work).
func (w *Worker) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) {
		writeJSON(rw, http.StatusOK, map[string]string{"status": "alive"})
	})
	mux.Handle("GET /metrics", w.guards.metrics.handler())
	mux.HandleFunc("POST /admin/resume", func(rw http.ResponseWriter, _ *http.Request) {
		resumed := w.guards.flood.Resume()
		if resumed {
			w.log.Warn("dead-letter flood pause lifted by POST /admin/resume")
		}
		writeJSON(rw, http.StatusOK, map[string]any{"resumed": resumed, "paused": w.guards.gate.Reasons()})
	})
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, _ *http.Request) {
		ok, why := w.ready()
		status := http.StatusOK
		if !ok {
			status = http.StatusServiceUnavailable
		}
		s := w.consumer.Stats()
		writeJSON(rw, status, map[string]any{"ready": ok, "reason": why, "partitions": s.Partitions, "inFlight": s.InFlight})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Run serves HTTP on addr and consumes until ctx ends; it returns when both
// have stopped. The consumer drains first, then the HTTP server stops.
func (w *Worker) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR %s: %w", addr, err)
	}
	srv := &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	w.log.WithField("addr", ln.Addr().String()).Info("serving /healthz and /readyz")

	lagDone := w.guards.runLag(ctx)
	runErr := w.consumer.Run(ctx)
	<-lagDone

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return errors.Join(runErr, err)
	}
	return runErr
}
