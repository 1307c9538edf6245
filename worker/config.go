package worker

import (
	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/dispatch"
	"github.com/leadworker/leadworker/kafkaadmin"
	"github.com/leadworker/leadworker/mykaarma"
	"time"

	"github.com/leadworker/leadworker/fairshare"
	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/handlers"
)

// Config is everything the worker needs. cmd/leadworker fills it from the
// environment (README.md names each variable); DefaultConfig has the
// defaults.
type Config struct {
	Brokers     []string
	GroupID     string
	InputTopics []string
	ResultTopic string
	DLQTopic    string
	// IdentityRouting sends every event through RouteTopic keyed by its
	// customer identity (handlers.RoutingKey), so that one replica handles
	// all events that could be the same customer (IDENTITY_ROUTING). The
	// route stage consumes the input topics with GroupID; the process stage
	// consumes RouteTopic with GroupID + ".route".
	IdentityRouting bool
	// RouteTopic belongs to one deployment: two deployments that share it
	// process each other's events. It is KAFKA_ROUTE_TOPIC when set
	// (RouteTopicSet), else DefaultRouteTopic(), which follows GroupID.
	RouteTopic string
	// RouteTopicSet tells that KAFKA_ROUTE_TOPIC named RouteTopic; false
	// means it was derived from the group. Before the name followed the group
	// every deployment defaulted to LegacyRouteTopic.
	RouteTopicSet bool
	// ParkedTopic (KAFKA_PARKED_TOPIC, default DefaultParkedTopic()) holds
	// the events of paused departments until they resume (park.go): it has
	// the route topic's partition count and is read by the process stage's
	// group. ParkAfter (PARK_AFTER) is how long a newly paused department's
	// events wait in memory before they are parked; ParkMaxAge
	// (PARK_MAX_AGE) how long a parked event waits before it is
	// dead-lettered as park-expired. The parked topic's retention must be at
	// least twice ParkMaxAge.
	ParkedTopic string
	ParkAfter   time.Duration
	ParkMaxAge  time.Duration
	// BulkRouteTopic (KAFKA_BULK_ROUTE_TOPIC, default DefaultBulkRouteTopic())
	// is the bulk route (bulk.go): where the route stage sends the events of
	// a department that floods it (Bulk), for the process stage to handle
	// with the slots the route topic leaves free. It has the route topic's
	// partition count, placement and headers, and is read by the process
	// stage's group with the route and parked topics.
	BulkRouteTopic string
	Bulk           fairshare.BulkRule

	BaseURL  string
	Username string
	Password string // never logged

	HTTPAddr string // health, readiness and metrics; no admin actions
	// AdminAddr serves the admin actions (POST /admin/resume); "" turns them
	// off. AdminToken, when set, must come as "Authorization: Bearer ...".
	AdminAddr  string
	AdminToken string // never logged
	LogLevel   string
	LogFormat  string

	MaxResults int
	// IgnoreContacts are the dealer's own phones, emails and @domains that
	// are written to myKaarma but never searched or matched on
	// (MATCH_IGNORE_CONTACTS, MATCH_IGNORE_CONTACTS_FILE).
	IgnoreContacts []string
	// RequireFirstName keeps a household that shares a phone, email or car
	// apart: rules 2 and 3 also need compatible first names
	// (MATCH_REQUIRE_FIRST_NAME).
	RequireFirstName bool
	CallTimeout      time.Duration
	RetryInitial     time.Duration
	RetryMax         time.Duration
	RetryMaxElapsed  time.Duration
	RateLimit        float64 // myKaarma calls per second per replica; 0 = unlimited

	// LeadUnknownOutcome is what happens to a lead save that was sent and got
	// no answer (LEAD_UNKNOWN_OUTCOME): handlers.LeadUnknownRetry saves it
	// again with a lead-outcome-unknown warning, LeadUnknownDeadLetter
	// dead-letters the event with class lead-outcome-unknown.
	LeadUnknownOutcome handlers.LeadUnknownOutcome

	MaxInFlight int
	// FairDispatch (FAIR_DISPATCH, default true): the process stage gives a
	// free in-flight slot to the most urgent event waiting (PriorityRules),
	// then to the department holding the fewest slots, and to an event that
	// has waited PriorityMaxDefer (PRIORITY_MAX_DEFER, default 30s) since it
	// was read before any other; false: in the order events were read
	// (README.md, "Fair share").
	FairDispatch     bool
	PriorityRules    []fairshare.PriorityRule
	PriorityMaxDefer time.Duration
	// MaxBuffered (MAX_BUFFERED, default DefaultMaxBuffered or 2 × MAX_IN_FLIGHT
	// if more) bounds the events
	// fetched and not finished: in flight, waiting behind an earlier event of
	// their key or for an in-flight slot, or having their output written. It
	// is what bounds memory; fetching waits while it is full.
	MaxBuffered int
	// AdaptiveConcurrency (ADAPTIVE_CONCURRENCY, default true) lets the
	// in-flight limit follow myKaarma's health: halved on 429, 5xx and
	// timeouts, grown back by one per round of successful calls while latency
	// holds, between 1 and MaxInFlight (aimd.go). false keeps MaxInFlight fixed.
	AdaptiveConcurrency bool
	MaxRecordBytes      int
	// MaxBufferedBytes bounds the bytes of fetched, unfinished records plus
	// the readers' prefetch (MAX_BUFFERED_BYTES); one larger record passes
	// alone.
	MaxBufferedBytes int64
	// DLQWriteGiveUp is how long a dead letter the broker refuses is retried
	// before a reference letter replaces it (DLQ_WRITE_GIVE_UP).
	DLQWriteGiveUp time.Duration
	// Crash recovery (consumer.Options): how soon a partition commits after
	// its output is acknowledged (COMMIT_DELAY), the broker's
	// offset.metadata.max.bytes (COMMIT_METADATA_MAX_BYTES), and the bounds
	// of the read of answered work at assignment (ANSWERED_SCAN_MAX_RECORDS,
	// ANSWERED_SCAN_TIMEOUT). Zero values take the consumer's defaults.
	CommitDelay            time.Duration
	CommitMetadataMaxBytes int
	AnsweredScanMaxRecords int
	AnsweredScanTimeout    time.Duration
	DrainTimeout           time.Duration
	// SessionTimeout is how long the group waits for a member that stopped
	// answering (a SIGKILL, a lost network) before its partitions move
	// (KAFKA_SESSION_TIMEOUT); the brokers' group.min/max.session.timeout.ms
	// bound it.
	SessionTimeout time.Duration

	Kafka kafkaadmin.Security

	Guards GuardConfig // circuit breaker, dead-letter flood guard, lag
}

// DefaultConfig returns the defaults of every setting; README.md lists them
// with their variables. Brokers and the myKaarma credentials have none.
func DefaultConfig() Config {
	c := consumer.DefaultOptions()
	r := handlers.DefaultRetry()
	rules, _ := fairshare.ParsePriorityRules(fairshare.DefaultPriorityRules) // valid: TestDefaultPriorityRules
	return Config{
		GroupID:     "leadworker",
		InputTopics: []string{"crm.events"},
		ResultTopic: "leadworker.results",
		DLQTopic:    "leadworker.dlq",

		IdentityRouting: true,
		RouteTopic:      Config{GroupID: "leadworker"}.DefaultRouteTopic(),
		ParkedTopic:     Config{GroupID: "leadworker"}.DefaultParkedTopic(),
		ParkAfter:       30 * time.Second,
		ParkMaxAge:      3 * 24 * time.Hour,
		BulkRouteTopic:  Config{GroupID: "leadworker"}.DefaultBulkRouteTopic(),
		Bulk:            fairshare.BulkRule{Threshold: DefaultMaxBuffered / 2, Window: time.Minute, Share: 0.25},

		BaseURL: "https://api.mykaarma.com",

		HTTPAddr:  ":8080",
		AdminAddr: "127.0.0.1:8081",
		LogLevel:  "info",
		LogFormat: "json",

		MaxResults:      handlers.DefaultMaxResults,
		CallTimeout:     mykaarma.DefaultTimeout,
		RetryInitial:    r.InitialInterval,
		RetryMax:        r.MaxInterval,
		RetryMaxElapsed: r.MaxElapsed,

		LeadUnknownOutcome: handlers.LeadUnknownRetry,

		MaxInFlight:         c.MaxInFlight,
		FairDispatch:        true,
		PriorityRules:       rules,
		PriorityMaxDefer:    dispatch.DefaultMaxDefer,
		MaxBuffered:         max(DefaultMaxBuffered, c.MaxBuffered),
		AdaptiveConcurrency: true,
		MaxRecordBytes:      c.MaxRecordBytes,
		MaxBufferedBytes:    c.MaxBufferedBytes,
		DLQWriteGiveUp:      c.DLQWriteGiveUp,

		CommitDelay:            c.CommitDelay,
		CommitMetadataMaxBytes: c.MaxCommitMetadataBytes,
		AnsweredScanMaxRecords: c.AnsweredScanMaxRecords,
		AnsweredScanTimeout:    c.AnsweredScanTimeout,
		DrainTimeout:           c.DrainTimeout,
		SessionTimeout:         c.SessionTimeout,

		Guards: GuardConfig{
			Circuit:     guard.DefaultCircuitOptions(),
			Flood:       guard.DefaultFloodOptions(),
			ProbeMin:    time.Second,
			ProbeMax:    30 * time.Second,
			LagInterval: c.TopicCheckInterval,
		},
	}
}

// GuardConfig configures what protects the worker on a bad day: the circuit
// breaker, the dead-letter flood guard and the lag metric. The zero value
// takes the defaults.
type GuardConfig struct {
	Circuit     guard.CircuitOptions
	Flood       guard.FloodOptions
	ProbeMin    time.Duration // first wait before probing a paused myKaarma [1s]
	ProbeMax    time.Duration // longest wait between probes [30s]
	LagInterval time.Duration // how often consumer lag is computed [15s]
}

func (g GuardConfig) withDefaults() GuardConfig {
	d := DefaultConfig().Guards
	if g.ProbeMin == 0 {
		g.ProbeMin = d.ProbeMin
	}
	if g.ProbeMax == 0 {
		g.ProbeMax = d.ProbeMax
	}
	if g.LagInterval == 0 {
		g.LagInterval = d.LagInterval
	}
	return g
}

// RouteGroup is the consumer group of the process stage when identity
// routing is on.
func (c Config) RouteGroup() string { return c.GroupID + ".route" }

// DefaultRouteTopic is the route topic of a deployment whose
// KAFKA_ROUTE_TOPIC is not set: GroupID + ".route", the same name as its
// route group, so that each deployment has its own.
func (c Config) DefaultRouteTopic() string { return c.GroupID + ".route" }

// DefaultParkedTopic is the parked topic of a deployment whose
// KAFKA_PARKED_TOPIC is not set: GroupID + ".parked".
func (c Config) DefaultParkedTopic() string { return c.GroupID + ".parked" }

// DefaultMaxBuffered is MAX_BUFFERED's default when 2 × MAX_IN_FLIGHT is
// not more: how far a replica reads ahead, so that fair dispatch sees a
// live event behind another department's backlog (MAX_BUFFERED_BYTES still
// bounds the memory).
const DefaultMaxBuffered = 1000

// DefaultBulkRouteTopic is the bulk route topic of a deployment whose
// KAFKA_BULK_ROUTE_TOPIC is not set: GroupID + ".route.bulk".
func (c Config) DefaultBulkRouteTopic() string { return c.GroupID + ".route.bulk" }

// LegacyRouteTopic is the route topic every deployment defaulted to before
// the default followed the group. A deployment whose group is "leadworker"
// still has it; any other that relied on the old default may have events
// waiting there.
const LegacyRouteTopic = "leadworker.route"
