package main

import (
	"context"
	"flag"
	"fmt"
	"github.com/leadworker/leadworker/kafkaadmin"
	"github.com/leadworker/leadworker/replay"
	"io"
	"strings"
	"time"

	"github.com/leadworker/leadworker/schemas"
	"github.com/leadworker/leadworker/worker"
)

const dlqUsage = `usage: leadworker dlq replay [flags]

Reads the dead-letter topic as its own consumer group, up to the end offsets at
start, and re-publishes each matching record's original key, value and headers
to the partition of the input topic it came from, with a replay.count header.
It skips, and lists, records replayed --max-replays times and records the worker
would only dead-letter again (larger than MAX_RECORD_BYTES, or refused by the
schemas: "skip: invalid"). --dry-run lists every matching record with what a
real run would do with it. Prints replayed=N skipped=N matched=N.
`

// kafkaVariables lists what the commands that only talk to Kafka read
// (dlq replay, topics create, produce, tail), for their help.
func kafkaVariables() []string {
	return envReads(func(lookup func(string) (string, bool)) { _, _ = kafkaConfig(lookup) })
}

// dlqCommand reads the same Kafka configuration as run (KAFKA_BROKERS,
// KAFKA_DLQ_TOPIC, KAFKA_INPUT_TOPICS, TLS and SASL); flags override it.
func dlqCommand(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	if len(args) == 0 || isHelp(args[0]) {
		w, status := stderr, 2
		if len(args) > 0 {
			w, status = stdout, 0
		}
		fset, _, _, _ := dlqFlags()
		printHelp(w, dlqUsage, fset, dlqVariables(), "")
		return status
	}
	if args[0] != "replay" {
		fmt.Fprintf(stderr, "leadworker dlq: unknown command %q\n\n%s", args[0], dlqUsage)
		return 2
	}
	fset, o, brokers, since := dlqFlags()
	help := func(w io.Writer) { printHelp(w, dlqUsage, fset, dlqVariables(), "") }
	if done, status := parseFlags(fset, args[1:], stdout, stderr, help); done {
		return status
	}
	cfg, err := kafkaConfig(lookup)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker dlq replay: bad configuration:\n%v\n", err)
		return 2
	}
	o.DefaultTo = cfg.InputTopics[0]
	if *brokers == "" {
		*brokers = strings.Join(cfg.Brokers, ",")
	}
	if o.DLQTopic == "" {
		o.DLQTopic = cfg.DLQTopic
	}
	if o.Group == "" {
		o.Group = cfg.GroupID + "-dlq-replay"
	}
	for _, b := range strings.Split(*brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			o.Brokers = append(o.Brokers, b)
		}
	}
	if len(o.Brokers) == 0 {
		fmt.Fprintln(stderr, "leadworker dlq replay: --brokers or KAFKA_BROKERS is required")
		return 2
	}
	if *since != "" {
		t, err := parseSince(*since, time.Now())
		if err != nil {
			fmt.Fprintf(stderr, "leadworker dlq replay: --since: %v\n", err)
			return 2
		}
		o.Since = t
	}
	dialer, transport, err := kafkaadmin.Connections(cfg.Kafka)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker dlq replay: %v\n", err)
		return 2
	}
	o.Dialer, o.Transport = dialer, transport
	maxBytes := &env{lookup: lookup}
	o.Check = replayCheck(maxBytes.integer("MAX_RECORD_BYTES", worker.DefaultConfig().MaxRecordBytes, 1))
	if len(maxBytes.errs) > 0 {
		fmt.Fprintf(stderr, "leadworker dlq replay: bad configuration:\n%v\n", maxBytes.errs[0])
		return 2
	}
	sum, err := replay.Replay(ctx, *o, stdout)
	fmt.Fprintf(stdout, "replayed=%d skipped=%d matched=%d\n", sum.Replayed, sum.Skipped, sum.Matched)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker dlq replay: %v\n", err)
		return 1
	}
	return 0
}

// replayCheck refuses what the worker's route stage would dead-letter as
// invalid again: a value larger than MAX_RECORD_BYTES, or one the schemas
// refuse (not JSON, unknown eventType, fails the schema).
func replayCheck(maxRecordBytes int) func([]byte) error {
	return func(value []byte) error {
		if len(value) > maxRecordBytes {
			return fmt.Errorf("record value is %d bytes, larger than MAX_RECORD_BYTES=%d", len(value), maxRecordBytes)
		}
		_, err := schemas.Decode(value)
		return err
	}
}

// dlqVariables lists what dlq replay reads, for its help.
func dlqVariables() []string {
	return append(kafkaVariables(), "MAX_RECORD_BYTES")
}

// dlqFlags are dlq replay's flags. Those whose default comes from the
// environment default to "" here and are filled in after parsing, so that
// help shows one default and works without the environment.
func dlqFlags() (fset *flag.FlagSet, o *replay.Options, brokers, since *string) {
	fset = flag.NewFlagSet("dlq replay", flag.ContinueOnError)
	o = &replay.Options{}
	brokers = fset.String("brokers", "", "comma-separated brokers (default $KAFKA_BROKERS)")
	fset.StringVar(&o.DLQTopic, "dlq-topic", "", "dead-letter topic to read (default $KAFKA_DLQ_TOPIC, else leadworker.dlq)")
	fset.StringVar(&o.To, "to", "", "topic to publish to (default: the record's source.topic header, else the first of $KAFKA_INPUT_TOPICS)")
	fset.StringVar(&o.Class, "class", "", "only records of this error.class (invalid, rejected, exhausted, unwritable)")
	since = fset.String("since", "", "only records dead-lettered since this RFC3339 time or duration ago (24h)")
	fset.StringVar(&o.EventID, "event-id", "", "only the record with this event.id")
	fset.BoolVar(&o.DryRun, "dry-run", false, "list what would be done with each record; publish and commit nothing")
	fset.IntVar(&o.MaxReplays, "max-replays", 3, "skip records already replayed this many times (0: no limit)")
	fset.StringVar(&o.Group, "group", "", "consumer group that remembers how far replay has read (default $KAFKA_GROUP_ID-dlq-replay, else leadworker-dlq-replay)")
	return fset, o, brokers, since
}

func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return time.Time{}, fmt.Errorf("%q: want an RFC3339 time or a duration such as 24h", s)
	}
	return now.Add(-d), nil
}
