package worker

import (
	"context"
	"errors"
	"fmt"
	"github.com/leadworker/leadworker/kafkaadmin"
	"go.opentelemetry.io/otel/trace"
	"net/http"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/fairshare"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/throttle"
	"github.com/leadworker/leadworker/tracing"
	"github.com/sirupsen/logrus"
)

// Worker is the wired pipeline: consumer → processor → handlers → myKaarma.
type Worker struct {
	consumer *consumer.Consumer // the process stage
	router   *consumer.Consumer // the route stage; nil without identity routing
	bulk     *fairshare.Bulk    // the route stage's bulk rule (bulk.go); nil without identity routing
	guards   *guards            // pause gate, circuit, flood guard, metrics, lag
	log      logrus.FieldLogger
	cfg      Config
	// concurrency adapts the consumer's in-flight limit; nil when
	// ADAPTIVE_CONCURRENCY is off. Its Limit() is the current limit.
	concurrency *throttle.AIMD
	// autoCreate asks the brokers whether they create topics on request;
	// groups lists the groups with offsets on a topic (startup.go).
	autoCreate func(ctx context.Context) (bool, error)
	groups     routeGroups
}

// New wires the pipeline from cfg. Every myKaarma call passes the rate
// limit, then the metrics and circuit observer, then the adaptive-concurrency
// observer, then the tracing one (otelhttp). opts add what is not a setting:
// the logger, the HTTP client, the tracer provider and propagators.
func New(cfg Config, opts ...Option) (*Worker, error) {
	o := newOptions(opts)
	log, httpClient := o.log, o.httpClient
	tr, err := tracing.New(o.tp, o.propagators)
	if err != nil {
		return nil, err
	}
	guards, err := newGuards(cfg.Guards, log)
	if err != nil {
		return nil, fmt.Errorf("guards: %w", err)
	}
	traced := func(rt http.RoundTripper) http.RoundTripper {
		return tr.HTTP(rt, func(r *http.Request) string { return "myKaarma " + endpointOf(r.Method, r.URL.Path) })
	}
	hc, concurrency := myKaarmaHTTP(cfg, log, httpClient, guards.wrap, traced)
	if concurrency != nil {
		concurrency.SkipFailures(guards.isolated)
	}
	h, err := NewHandler(cfg, hc, tr.Provider())
	if err != nil {
		return nil, err
	}
	dialer, transport, err := kafkaadmin.Connections(cfg.Kafka)
	if err != nil {
		return nil, err
	}
	wk := &Worker{guards: guards, log: log, cfg: cfg, concurrency: concurrency}
	wk.autoCreate = func(ctx context.Context) (bool, error) {
		return kafkaadmin.AutoCreateTopics(ctx, cfg.Brokers, transport)
	}
	wk.groups = func(ctx context.Context, topic string) ([]kafkaadmin.GroupOffsets, error) {
		return kafkaadmin.GroupsOn(ctx, cfg.Brokers, transport, topic)
	}
	p := guards.processor(h)
	p.tracer, p.group = tr.Tracer(), cfg.GroupID
	lags, err := wk.stages(p, h, tr, consumer.Options{Dialer: dialer, Transport: transport})
	if err != nil {
		return nil, err
	}
	if concurrency != nil {
		concurrency.Setter(wk.consumer.SetMaxInFlight)
	}
	guards.watch(wk.Stats, lags...)
	guards.metrics.reg.MustRegister(newReadyCollector(wk.ready))
	return wk, nil
}

// NewHandler returns the business handler of cfg (search-and-match, lead
// save) calling myKaarma through hc; tp, when not nil, makes its step spans.
// The worker wraps it in its guards; the bench uses it bare.
func NewHandler(cfg Config, hc *http.Client, tp trace.TracerProvider) (*handlers.Handler, error) {
	client, err := mykaarma.New(cfg.BaseURL, mykaarma.Options{
		Username: cfg.Username, Password: cfg.Password,
		Timeout: cfg.CallTimeout, HTTPClient: hc,
	})
	if err != nil {
		return nil, fmt.Errorf("mykaarma client: %w", err)
	}
	h, err := handlers.New(handlers.Options{
		API:                client,
		MaxResults:         cfg.MaxResults,
		IgnoreContacts:     cfg.IgnoreContacts,
		RequireFirstName:   cfg.RequireFirstName,
		TracerProvider:     tp,
		LeadUnknownOutcome: cfg.LeadUnknownOutcome,
		Retry: handlers.RetryOptions{
			InitialInterval: cfg.RetryInitial,
			MaxInterval:     cfg.RetryMax,
			MaxElapsed:      cfg.RetryMaxElapsed,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("handler: %w", err)
	}
	return h, nil
}

// Stats is the state of the worker's consumers: with identity routing, the
// route and process stages added up (the in-flight limit is the process
// stage's, which is what myKaarma sees).
func (w *Worker) Stats() consumer.Stats {
	s := w.consumer.Stats()
	if w.router == nil {
		return s
	}
	return s.Add(w.router.Stats())
}

// joined reports whether every stage is a member of its consumer group.
func (w *Worker) joined() bool {
	return w.consumer.Joined() && (w.router == nil || w.router.Joined())
}

// RunConsumers consumes until ctx ends, without the HTTP servers or the lag
// watchers (demo, bench); it returns when every stage has stopped. Both
// stages drain together: they share a context, which ends when ctx does or
// when either stage stops with an error (a startup check refused the
// topics: the error matches consumer.ErrStartupCheck).
func (w *Worker) RunConsumers(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	run := func(c *consumer.Consumer, stage string) error {
		err := c.Run(ctx)
		if err != nil {
			cancel()
			err = w.explain(stage, err)
		}
		return err
	}
	if w.router == nil {
		return run(w.consumer, "process")
	}
	routed := make(chan error, 1)
	go func() { routed <- run(w.router, "route") }()
	err := run(w.consumer, "process")
	return errors.Join(<-routed, err)
}

// explain names the settings behind a stage's error where the consumer
// cannot: a byte budget too small for one fetch is MAX_BUFFERED_BYTES's
// share of the stage.
func (w *Worker) explain(stage string, err error) error {
	var be *consumer.BudgetError
	if !errors.As(err, &be) {
		return fmt.Errorf("%s stage: %w", stage, err)
	}
	need := be.Fetch
	if w.router != nil {
		// The route stage has a quarter of MAX_BUFFERED_BYTES, the process
		// stage the rest (stages.go).
		need = 4 * be.Fetch
		if stage == "process" {
			need = (4*be.Fetch + 2) / 3
		}
	}
	return fmt.Errorf("%s stage: MAX_BUFFERED_BYTES=%d leaves the stage %d bytes, less than one fetch of %s (%d bytes: the topic's max.message.bytes plus 256); set MAX_BUFFERED_BYTES to at least %d: %w",
		stage, w.cfg.MaxBufferedBytes, be.Budget, be.Topic, be.Fetch, need, err)
}

// myKaarmaHTTP returns the client for myKaarma calls: rate limit outermost
// (time spent waiting for a turn is not myKaarma's latency, nor a failure of
// it), then observe (metrics and the circuit), then the adaptive-concurrency
// observer, then tracing (a span per call, the trace context on the
// request), then the transport.
func myKaarmaHTTP(cfg Config, log logrus.FieldLogger, base *http.Client, observe, trace func(http.RoundTripper) http.RoundTripper) (*http.Client, *throttle.AIMD) {
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
	hc.Transport = trace(hc.Transport)
	var concurrency *throttle.AIMD
	if cfg.AdaptiveConcurrency {
		concurrency = throttle.NewAIMD(hc.Transport, cfg.MaxInFlight, time.Now, log)
		hc.Transport = concurrency
	}
	hc.Transport = throttle.NewRateLimited(observe(hc.Transport), cfg.RateLimit)
	return hc, concurrency
}
