package worker

import (
	"github.com/leadworker/leadworker/deadletter"
	"net/http"
	"strconv"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/fairshare"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/parking"
	"github.com/leadworker/leadworker/schemas"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the worker's Prometheus metrics, on a registry of their own
// (never the global default), served at /metrics. Every name starts with
// leadworker_.
type metrics struct {
	reg *prometheus.Registry

	events         *prometheus.CounterVec // outcome, rule
	deadLetters    *prometheus.CounterVec // class
	retries        prometheus.Counter
	eventLatency   prometheus.Histogram
	requests       *prometheus.CounterVec   // endpoint, status
	requestLatency *prometheus.HistogramVec // endpoint
	lag            *prometheus.GaugeVec     // topic, partition
	routed         *prometheus.CounterVec   // by
	lagRefreshed   prometheus.Gauge
	leadUnknown    *prometheus.CounterVec   // action
	dwell          *prometheus.HistogramVec // priority, route
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "leadworker_events_total",
			Help: "Input events finished (output written), by outcome (QUEUED, UNPROCESSED, SAVED, DEAD_LETTER) and match rule.",
		}, []string{"outcome", "rule"}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "leadworker_dead_letters_total",
			Help: "Events written to the dead-letter topic, by class (invalid, rejected, exhausted, lead-outcome-unknown). A reference letter counts under its original class, and in leadworker_unwritable_dead_letters_total.",
		}, []string{"class"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "leadworker_retries_total",
			Help: "Flow attempts beyond the first, summed over finished events.",
		}),
		eventLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "leadworker_event_duration_seconds",
			Help:    "From fetching an event to its acknowledged output write.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "leadworker_mykaarma_requests_total",
			Help: "myKaarma API calls by endpoint (search, read, create, update, lead) and HTTP status (or error, timeout).",
		}, []string{"endpoint", "status"}),
		requestLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "leadworker_mykaarma_request_duration_seconds",
			Help:    "myKaarma API call latency until the response headers, by endpoint.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"endpoint"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "leadworker_consumer_lag",
			Help: "Records between the group's committed offset and the partition's end offset.",
		}, []string{"topic", "partition"}),
		routed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "leadworker_routed_total",
			Help: "Events the route stage sent on to the route topic, by how their routing key was chosen (lastName, customerKey, contact, eventId). customerKey counts events routed without their last name: if the same customerKey also arrives with one, those events may reach two replicas.",
		}, []string{"by"}),
		lagRefreshed: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "leadworker_consumer_lag_refreshed_timestamp_seconds",
			Help: "When leadworker_consumer_lag was last computed (Unix time).",
		}),
		leadUnknown: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "leadworker_lead_outcome_unknown_total",
			Help: "Lead saves sent without an answer (timeout, dropped connection), so that myKaarma may hold the lead, by what LEAD_UNKNOWN_OUTCOME made of them: retried (saved again; the lead may be saved twice) or dead_lettered (class lead-outcome-unknown). Counted when the event's output is written.",
		}, []string{"action"}),
		dwell: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "leadworker_dwell_seconds",
			Help:    "Process stage: from an event's route write (with identity routing; else its read) to the start of its processing, by priority (high, normal, low) and route (live, bulk).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"priority", "route"}),
	}
	m.initSeries()
	m.reg.MustRegister(m.routed, m.events, m.deadLetters, m.retries, m.eventLatency, m.requests, m.requestLatency, m.lag, m.lagRefreshed, m.leadUnknown, m.dwell,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Label values known in advance, initialised at zero so that rate() and
// absence checks work from the first scrape, before anything happened.
var (
	knownRules     = []string{schemas.RuleCustomerKey, schemas.RuleLastNameContact, schemas.RuleLastNameVIN, schemas.RuleNone}
	knownOutcomes  = []string{schemas.OutcomeQueued, schemas.OutcomeUnprocessed, schemas.OutcomeSaved}
	knownClasses   = []string{deadletter.ClassInvalid, deadletter.ClassRejected, deadletter.ClassExhausted, deadletter.ClassForeign, deadletter.ClassLeadOutcomeUnknown}
	knownEndpoints = []string{"search", "read", "create", "update", "lead"}
	// knownStatuses are the answers worth seeing at zero; any other status
	// still gets its series when it first happens.
	knownStatuses = []string{"200", "201", "400", "401", "403", "404", "408", "429", "500", "502", "503", "504", "error", "timeout"}
)

// Actions of leadworker_lead_outcome_unknown_total.
const (
	leadRetried      = "retried"
	leadDeadLettered = "dead_lettered"
)

// initSeries creates the labelled series that can be known in advance.
func (m *metrics) initSeries() {
	for _, p := range []int{fairshare.PriorityHigh, fairshare.PriorityNormal, fairshare.PriorityLow} {
		m.dwell.WithLabelValues(fairshare.PriorityName(p), routeLive)
		m.dwell.WithLabelValues(fairshare.PriorityName(p), routeBulk)
	}
	for _, by := range []string{handlers.RouteByLastName, handlers.RouteByCustomerKey, handlers.RouteByContact, handlers.RouteByEventID} {
		m.routed.WithLabelValues(by)
	}
	for _, o := range knownOutcomes {
		for _, r := range knownRules {
			m.events.WithLabelValues(o, r)
		}
	}
	m.events.WithLabelValues(outcomeDeadLetter, "")
	for _, a := range []string{leadRetried, leadDeadLettered} {
		m.leadUnknown.WithLabelValues(a)
	}
	for _, c := range knownClasses {
		m.deadLetters.WithLabelValues(c)
	}
	for _, e := range knownEndpoints {
		m.requestLatency.WithLabelValues(e)
		for _, s := range knownStatuses {
			m.requests.WithLabelValues(e, s)
		}
	}
}

// watchConsumer exports the consumers' state, read once per scrape.
func (m *metrics) watchConsumer(stats func() consumer.Stats) {
	gauge := func(name, help string, f func(consumer.Stats) float64) statMetric {
		return statMetric{prometheus.NewDesc(name, help, nil, nil), prometheus.GaugeValue, f}
	}
	counter := func(name, help string, f func(consumer.Stats) float64) statMetric {
		return statMetric{prometheus.NewDesc(name, help, nil, nil), prometheus.CounterValue, f}
	}
	m.reg.MustRegister(&statsCollector{stats: stats, skipped: prometheus.NewDesc("leadworker_records_skipped_total",
		"Input records deleted by retention before they were read: never handled, no result or dead letter.", []string{"topic"}, nil), metrics: []statMetric{
		gauge("leadworker_in_flight", "Events inside the handler now.",
			func(s consumer.Stats) float64 { return float64(s.InFlight) }),
		gauge("leadworker_buffered", "Events fetched and not finished (bounded by MAX_BUFFERED).",
			func(s consumer.Stats) float64 { return float64(s.Buffered) }),
		gauge("leadworker_in_flight_limit", "Current limit on events in flight.",
			func(s consumer.Stats) float64 { return float64(s.Limit) }),
		gauge("leadworker_oldest_in_flight_seconds", "Age of the oldest unfinished event.",
			func(s consumer.Stats) float64 { return s.OldestInFlight.Seconds() }),
		gauge("leadworker_partitions", "Input partitions owned by this process.",
			func(s consumer.Stats) float64 { return float64(s.Partitions) }),
		gauge("leadworker_buffered_bytes", "Bytes of the events fetched and not finished (bounded by leadworker_buffered_bytes_limit).",
			func(s consumer.Stats) float64 { return float64(s.BufferedBytes) }),
		gauge("leadworker_buffered_bytes_limit", "MAX_BUFFERED_BYTES as split between the stages: the bound of leadworker_buffered_bytes.",
			func(s consumer.Stats) float64 { return float64(s.BufferedBytesLimit) }),
		gauge("leadworker_output_failing", "Events whose result or dead-letter write is failing now (their offsets stay uncommitted).",
			func(s consumer.Stats) float64 { return float64(len(s.OutputFailing)) }),
		gauge("leadworker_fetch_past_end", "Partitions whose fetch position is past the end of the log (topic re-created, offsets set by hand); nothing is read from them.",
			func(s consumer.Stats) float64 { return float64(len(s.PastEnd)) }),
		gauge("leadworker_route_held", "1 while route records are held because the route topic gained partitions (until the route backlog on the old ones is 0).",
			func(s consumer.Stats) float64 { return bool01(s.RouteHeld) }),
		gauge("leadworker_topic_problems", "What the periodic topic check finds wrong (cleanup.policy, size limits, a topic re-created); /readyz names them.",
			func(s consumer.Stats) float64 { return float64(len(s.TopicProblems)) }),
		gauge("leadworker_missing_topics", "Configured topics that do not exist; the worker stays out of its group while any is missing.",
			func(s consumer.Stats) float64 { return float64(len(s.MissingTopics)) }),
		counter("leadworker_skipped_answered_total", "Events committed without handling after a crash or rebalance: their result or dead letter was already on Kafka.",
			func(s consumer.Stats) float64 { return float64(s.SkippedAnswered) }),
		counter("leadworker_commits_without_positions_total", "Commits made without the output positions, whose metadata would have exceeded COMMIT_METADATA_MAX_BYTES.",
			func(s consumer.Stats) float64 { return float64(s.CommitsWithoutPositions) }),
		counter("leadworker_answered_scan_fallbacks_total", "Assignments whose answered work could not be read (a bound was hit, or the positions were unreadable): all their uncommitted events were handled again.",
			func(s consumer.Stats) float64 { return float64(s.AnsweredScanFallbacks) }),
		counter("leadworker_unwritable_dead_letters_total", "Dead letters the broker refused for DLQ_WRITE_GIVE_UP, written as reference letters without their value.",
			func(s consumer.Stats) float64 { return float64(s.Unwritable) }),
	}})
}

// statMetric is one series read from consumer.Stats.
type statMetric struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(consumer.Stats) float64
}

// statsCollector exports statMetrics from one consumer.Stats snapshot per
// scrape, so that the series agree with each other and the consumers are
// locked once.
type statsCollector struct {
	stats   func() consumer.Stats
	metrics []statMetric
	skipped *prometheus.Desc // leadworker_records_skipped_total{topic}
}

// Describe implements prometheus.Collector.
func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.metrics {
		ch <- m.desc
	}
	ch <- c.skipped
}

// Collect implements prometheus.Collector.
func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	for _, m := range c.metrics {
		ch <- prometheus.MustNewConstMetric(m.desc, m.kind, m.value(s))
	}
	for topic, n := range s.Skipped {
		ch <- prometheus.MustNewConstMetric(c.skipped, prometheus.CounterValue, float64(n), topic)
	}
}

// watchGuards exports the pause gate, the paused departments and the circuit.
func (m *metrics) watchGuards(g *guard.Gate, d *guard.Departments, c *guard.Circuit) {
	for _, r := range []string{guard.ReasonAuth, guard.ReasonCircuit, guard.ReasonFlood} {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "leadworker_paused",
			Help:        "1 while work is paused for the reason (auth, circuit, dlq-flood).",
			ConstLabels: prometheus.Labels{"reason": r},
		}, func() float64 { return bool01(g.IsPaused(r)) }))
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "leadworker_circuit_open",
		Help: "1 while the myKaarma circuit is open (calls failing for every event), else 0.",
	}, func() float64 { return bool01(c.IsOpen()) }))
	m.reg.MustRegister(newDepartmentsCollector(d))
}

// watchParking exports the parking's counters, the parked events this
// replica holds (total: parked records assigned to it not yet handed back)
// and the age of the oldest one held back.
func (m *metrics) watchParking(k *parking.Policy, total func() int) {
	m.reg.MustRegister(k.Parked, k.Unparked,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "leadworker_parked_events",
			Help: "Parked events on the parked topic's partitions this replica reads, not yet handed back and answered."},
			func() float64 { return float64(total()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "leadworker_parked_oldest_seconds",
			Help: "How long ago the oldest parked event this replica holds back was first parked; 0 when none."},
			func() float64 {
				if o := k.Oldest(); !o.IsZero() {
					return k.Now().Sub(o).Seconds()
				}
				return 0
			}))
}

// watchBulk exports how many departments the route stage sends to the bulk
// route now (bulk.go).
func (m *metrics) watchBulk(b *fairshare.Bulk) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "leadworker_bulk_departments",
		Help: "Departments whose events this replica's route stage sends to the bulk route topic now (BULK_THRESHOLD, BULK_WINDOW, BULK_SHARE)."},
		func() float64 { return float64(len(b.Departments(time.Now()))) }))
}

// finished counts an event finished with s (l: dead-lettered) after latency.
func (m *metrics) finished(s summary, l *deadletter.Letter, latency time.Duration) {
	if s.LeadRetried > 0 {
		m.leadUnknown.WithLabelValues(leadRetried).Add(float64(s.LeadRetried))
	}
	if l != nil {
		m.deadLetters.WithLabelValues(l.Class).Inc()
		if l.Class == deadletter.ClassLeadOutcomeUnknown {
			m.leadUnknown.WithLabelValues(leadDeadLettered).Inc()
		}
	}
	m.events.WithLabelValues(s.Outcome, s.Rule).Inc()
	if s.Attempts > 1 {
		m.retries.Add(float64(s.Attempts - 1))
	}
	m.eventLatency.Observe(latency.Seconds())
}

// reportLag sets the lag gauge from one refresh of the lag watcher.
func (m *metrics) reportLag(lags map[string]map[int]int64) {
	for topic, ps := range lags {
		for p, lag := range ps {
			m.lag.WithLabelValues(topic, strconv.Itoa(p)).Set(float64(lag))
		}
	}
	m.lagRefreshed.SetToCurrentTime()
}

// request records one myKaarma call; status is the HTTP status, 0 for none.
func (m *metrics) request(endpoint string, status int, failure string, took time.Duration) {
	s := failure
	if status != 0 {
		s = strconv.Itoa(status)
	}
	m.requests.WithLabelValues(endpoint, s).Inc()
	m.requestLatency.WithLabelValues(endpoint).Observe(took.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// The route label of leadworker_dwell_seconds: live is the route topic (or
// with routing off the input topics), bulk the bulk route topic.
const (
	routeLive = "live"
	routeBulk = "bulk"
)

// dwelled observes an event's dwell (consumer.Options.Dwell). An event
// read back from the parked topic waited for its department, not for a
// slot: it is not counted.
func (m *metrics) dwelled(msg *consumer.Message, priority int, d time.Duration) {
	if msg.Parked {
		return
	}
	r := routeLive
	if msg.Bulk {
		r = routeBulk
	}
	m.dwell.WithLabelValues(fairshare.PriorityName(priority), r).Observe(d.Seconds())
}
