package worker

import (
	"fmt"
	"io"
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
	cfg      Config
	// concurrency adapts the consumer's in-flight limit; nil when
	// ADAPTIVE_CONCURRENCY is off. Its Limit() is the current limit.
	concurrency *throttle.AIMD
}

// New wires the pipeline from cfg. httpClient may be nil; its transport
// (or a pooled one sized for MAX_IN_FLIGHT) is wrapped so that every myKaarma
// call passes the rate limit, then the metrics and circuit observer, then the
// adaptive-concurrency observer.
func New(cfg Config, log logrus.FieldLogger, httpClient *http.Client) (*Worker, error) {
	if log == nil {
		l := logrus.New()
		l.Out = io.Discard
		log = l
	}
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
		API:              client,
		MaxResults:       cfg.MaxResults,
		IgnoreContacts:   cfg.IgnoreContacts,
		RequireFirstName: cfg.RequireFirstName,
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
		Brokers:          cfg.Brokers,
		GroupID:          cfg.GroupID,
		Topics:           cfg.InputTopics,
		ResultTopic:      cfg.ResultTopic,
		DLQTopic:         cfg.DLQTopic,
		Handler:          guards.processor(h),
		Observer:         guards,
		OrderKey:         orderKey,
		MaxInFlight:      cfg.MaxInFlight,
		MaxBuffered:      cfg.MaxBuffered,
		MaxRecordBytes:   cfg.MaxRecordBytes,
		MaxBufferedBytes: cfg.MaxBufferedBytes,
		DLQWriteGiveUp:   cfg.DLQWriteGiveUp,
		DrainTimeout:     cfg.DrainTimeout,
		Dialer:           dialer,
		Transport:        transport,
		Logger:           log,
	})
	if err != nil {
		return nil, err
	}
	if concurrency != nil {
		concurrency.Setter(c.SetMaxInFlight)
	}
	guards.watch(c, consumer.LagOptions{Brokers: cfg.Brokers, GroupID: cfg.GroupID, Topics: cfg.InputTopics, Dialer: dialer, Transport: transport})
	return &Worker{consumer: c, guards: guards, log: log, cfg: cfg, concurrency: concurrency}, nil
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
