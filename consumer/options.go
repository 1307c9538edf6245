package consumer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"
)

// Options configures a Consumer. Zero values take the documented defaults.
type Options struct {
	Brokers     []string // required
	GroupID     string   // required
	Topics      []string // input topics, required
	ResultTopic string   // required
	DLQTopic    string   // required

	Handler Handler // required
	// Describer tells the consumer whether its topics exist and how they are
	// set (kafkaadmin.Describer); required.
	Describer TopicDescriber

	// RouteTopic is where Outcome.Route sends records; required when the
	// Handler routes.
	RouteTopic string
	// BulkTopic is where Outcome.Route sends records with Route.Bulk set:
	// the bulk route, with RouteTopic's partition count and placement. When
	// it is among Topics, its records get a handler slot only when no other
	// record waits for one, and hold at most a quarter of MaxBuffered (at
	// least MaxInFlight) of the buffered records (bulk.go).
	BulkTopic string
	// RouteGroup is the consumer group that reads RouteTopic (the process
	// stage's): when the route topic gains partitions, routing over the new
	// count waits until that group has committed everything on the old ones
	// (route/resize.go).
	RouteGroup string
	// ParkTopic is where Outcome.Park sets records aside. When it is also
	// among Topics, the records read from it are handed to the Handler as
	// the input records they carry (Message.Parked), each once ParkHold
	// returns nil for it (nil ParkHold: at once). ParkHold may block, and
	// holds back the records behind it on its partition, but no handler
	// slot; it must return when ctx ends.
	ParkTopic string
	ParkHold  func(ctx context.Context, m *Message) error
	// CoPartitioned are topics among Topics with one partition count and one
	// key, whose partition p must be read by one member: the group assigns
	// them together (route.Aligned), and a generation reads none of their
	// partitions that it is not assigned in all of them.
	CoPartitioned []string
	// ParkRetention is the least retention.ms ParkTopic may have: a shorter
	// one refuses the start (ErrStartupCheck) and is a topic problem.
	ParkRetention time.Duration
	// Routed says the input topics hold route records (written by a consumer
	// with RouteTopic): each is handed to the Handler, and named in results,
	// dead letters and logs, as the input record it carries. Offsets committed
	// are still the route topic's.
	Routed bool

	// Inspect is called once for every fetched record, before it is
	// dispatched: it names the record's lane (records of one lane are handled
	// one at a time, in offset order) and may leave what it decoded in
	// m.Payload for the Handler, so that a record is decoded once. Default:
	// KafkaKey.
	Inspect func(m *Message) Inspection

	// MaxInFlight bounds the records inside the Handler at once across all
	// partitions of this process (default 64): the concurrency myKaarma sees.
	MaxInFlight int
	// Fair gives a free handler slot by Inspection.Priority, then to the
	// Inspection.Tenant holding the fewest (package dispatch), and to a
	// record fetched MaxDefer ago or more (default 30s; negative: never)
	// before any other; false: in the order the records asked.
	Fair     bool
	MaxDefer time.Duration
	// Dwell, when set, is called when a record first gets a handler slot,
	// with its wait since it was written to the route topic (Routed, not
	// parked) or else fetched. It must be quick and must not block.
	Dwell func(m *Message, priority int, d time.Duration)
	// MaxBuffered bounds the records fetched and not yet finished across all
	// partitions of this process: those in the Handler, those waiting behind
	// an earlier record of their key or for a handler slot, and those whose
	// output is being written (default 2 × MaxInFlight, at least MaxInFlight).
	// Fetching waits while it is full; it is what bounds memory.
	MaxBuffered int
	// MaxBufferedBytes bounds the bytes (key, value and headers) of the
	// records fetched and not yet finished, and of the fetches under way, each
	// of which takes its topic's max.message.bytes plus 256 bytes (default
	// 64 MiB); fetching waits while it is full. A single record larger than
	// the bound is let through alone. See Stats.BufferedBytes.
	MaxBufferedBytes int64
	// MaxRecordBytes is the size of a fetch when a topic's max.message.bytes
	// is not known, and the least a fetch takes (default 1 MiB).
	MaxRecordBytes int
	// DLQWriteGiveUp is how long a dead letter the broker refuses as such
	// (too large, invalid for the topic) is retried before a reference letter
	// (error.class=unwritable, no value, the original's size and SHA-256) is
	// written in its place so the partition moves on (default 10m). Failures
	// that are not a refusal of the record (a missing topic, a broker down)
	// are retried for ever.
	DLQWriteGiveUp time.Duration
	// RequiredTopics are topics besides the input, result and dead-letter
	// topics that must exist before the consumer joins its group (a future
	// route topic, for example).
	RequiredTopics []string
	// DrainTimeout bounds how long in-flight records of a revoked partition, or
	// of every partition at shutdown, may take to finish (default 15s). Keep it
	// below RebalanceTimeout.
	DrainTimeout time.Duration
	// CommitInterval is how often finished offsets are committed (default 500ms).
	// Offsets are also committed when a partition is given up.
	CommitInterval time.Duration
	// TopicCheckInterval is how often the topics' settings and partition
	// counts are checked while the consumer runs (default 15s; topiccheck.go).
	TopicCheckInterval time.Duration
	// MaxWait bounds a fetch's wait for new data, and so how quickly fetching
	// stops on a rebalance or shutdown (default 500ms).
	MaxWait time.Duration

	// Crash recovery (answered.go, commitmeta.go).
	//
	// CommitDelay: a partition commits this long after its watermark moves,
	// gathering later moves into the same commit, instead of waiting for the
	// CommitInterval tick (default 20ms; negative: only the tick).
	CommitDelay time.Duration
	// MaxCommitMetadataBytes is the broker's offset.metadata.max.bytes
	// (default 4096). A commit whose output positions would be longer is
	// made without them (Stats.CommitsWithoutPositions), and answered work of
	// that partition is not skipped after a crash.
	MaxCommitMetadataBytes int
	// AnsweredScanMaxRecords caps the output records read at assignment to
	// find answered work (default 100000; negative: never look, handle
	// everything again as before). A larger window is not read at all.
	AnsweredScanMaxRecords int
	// AnsweredScanTimeout caps the time that read may take (default 10s);
	// when it passes nothing is skipped.
	AnsweredScanTimeout time.Duration

	SessionTimeout    time.Duration // default 30s
	HeartbeatInterval time.Duration // default 3s
	RebalanceTimeout  time.Duration // default 30s
	// RetryBackoffMax caps the wait between retries of a failing handler or
	// output write (default 10s).
	RetryBackoffMax time.Duration

	// Dialer is used for group coordination and fetching (TLS, SASL); nil
	// uses kafka-go's default dialer.
	Dialer *kafka.Dialer
	// Transport is used by the output writer (TLS, SASL); nil uses the default.
	Transport kafka.RoundTripper

	// Logger receives the consumer's own errors and state changes; nil is
	// silent. (The Handler logs outcomes: Outcome.Done.)
	Logger logrus.FieldLogger
	// Now is the clock for latencies and epochs; nil is time.Now.
	Now func() time.Time
}

// DefaultOptions are the defaults of every setting that has one; Run's
// Options take them for their zero fields.
func DefaultOptions() Options {
	return Options{
		MaxInFlight:            64,
		MaxBuffered:            128, // 2 × MaxInFlight
		MaxRecordBytes:         1 << 20,
		MaxBufferedBytes:       64 << 20,
		DLQWriteGiveUp:         10 * time.Minute,
		DrainTimeout:           15 * time.Second,
		CommitInterval:         500 * time.Millisecond,
		TopicCheckInterval:     15 * time.Second,
		MaxWait:                500 * time.Millisecond,
		CommitDelay:            20 * time.Millisecond,
		MaxCommitMetadataBytes: 4096,
		AnsweredScanMaxRecords: 100000,
		AnsweredScanTimeout:    10 * time.Second,
		SessionTimeout:         30 * time.Second,
		RebalanceTimeout:       30 * time.Second,
		RetryBackoffMax:        10 * time.Second,
	}
}

func (o *Options) setDefaults() {
	d := DefaultOptions()
	if o.MaxInFlight == 0 {
		o.MaxInFlight = d.MaxInFlight
	}
	if o.MaxBuffered == 0 {
		o.MaxBuffered = 2 * o.MaxInFlight
	}
	setZero(&o.MaxRecordBytes, d.MaxRecordBytes)
	setZero(&o.MaxBufferedBytes, d.MaxBufferedBytes)
	setZero(&o.DLQWriteGiveUp, d.DLQWriteGiveUp)
	setZero(&o.DrainTimeout, d.DrainTimeout)
	setZero(&o.CommitInterval, d.CommitInterval)
	setZero(&o.TopicCheckInterval, d.TopicCheckInterval)
	setZero(&o.MaxWait, d.MaxWait)
	setZero(&o.CommitDelay, d.CommitDelay)
	setZero(&o.MaxCommitMetadataBytes, d.MaxCommitMetadataBytes)
	setZero(&o.AnsweredScanMaxRecords, d.AnsweredScanMaxRecords)
	setZero(&o.AnsweredScanTimeout, d.AnsweredScanTimeout)
	setZero(&o.SessionTimeout, d.SessionTimeout)
	if o.HeartbeatInterval == 0 {
		// A third of the session at most, as Kafka recommends, and 3s at most.
		o.HeartbeatInterval = min(3*time.Second, o.SessionTimeout/3)
	}
	setZero(&o.RebalanceTimeout, d.RebalanceTimeout)
	setZero(&o.RetryBackoffMax, d.RetryBackoffMax)
	if o.Logger == nil {
		o.Logger = discardLogger()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Inspect == nil {
		o.Inspect = KafkaKey
	}
}

// setZero sets *v to d when it is zero.
func setZero[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}

func (o *Options) validate() error {
	var errs []error
	if len(o.Brokers) == 0 {
		errs = append(errs, errors.New("no brokers"))
	}
	if o.GroupID == "" {
		errs = append(errs, errors.New("no group id"))
	}
	if len(o.Topics) == 0 {
		errs = append(errs, errors.New("no input topics"))
	}
	if o.ResultTopic == "" || o.DLQTopic == "" {
		errs = append(errs, errors.New("result and dead-letter topics are required"))
	}
	for _, t := range o.Topics {
		if t == o.ResultTopic || t == o.DLQTopic || (t == o.RouteTopic && !o.Routed) {
			errs = append(errs, fmt.Errorf("input topic %q is also an output topic", t))
		}
	}
	if o.Handler == nil {
		errs = append(errs, errors.New("no handler"))
	}
	if o.Describer == nil {
		errs = append(errs, errors.New("no topic describer"))
	}
	if o.MaxInFlight < 0 || o.MaxBuffered < 0 || o.MaxRecordBytes < 0 || o.MaxBufferedBytes < 0 || o.DLQWriteGiveUp < 0 ||
		o.MaxCommitMetadataBytes < 0 || o.AnsweredScanTimeout < 0 {
		errs = append(errs, errors.New("limits must not be negative"))
	}
	if o.MaxBuffered > 0 && o.MaxBuffered < o.MaxInFlight {
		errs = append(errs, fmt.Errorf("MaxBuffered %d is below MaxInFlight %d: the handler could never be full", o.MaxBuffered, o.MaxInFlight))
	}
	if o.DrainTimeout >= o.RebalanceTimeout {
		errs = append(errs, fmt.Errorf("drain timeout %v must be below the rebalance timeout %v", o.DrainTimeout, o.RebalanceTimeout))
	}
	return errors.Join(errs...)
}

// discardLogger is the silent logger that a nil Logger stands for.
func discardLogger() logrus.FieldLogger {
	l := logrus.New()
	l.Out = io.Discard
	return l
}

// KafkaKey is the default Inspect: the lane is the record's key, or for a
// record without a key one of its own.
func KafkaKey(m *Message) Inspection { return Inspection{Lane: KeyLane(m)} }

// KeyLane is the lane of the record's key, or for a record without a key one
// of its own.
func KeyLane(m *Message) string {
	if len(m.Key) == 0 {
		return fmt.Sprintf("\x00offset:%s/%d/%d", m.Topic, m.Partition, m.Offset)
	}
	return string(m.Key)
}
