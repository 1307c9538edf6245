package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/leadworker/leadworker/consumer"
)

const dlqUsage = `usage: leadworker dlq replay [flags]

Reads the dead-letter topic as its own consumer group, up to the end offsets at
start, and re-publishes each matching record's original key and value to the
input topic with a replay.count header. Prints replayed=N skipped=N matched=N.
`

// dlqCommand reads the same Kafka configuration as run (KAFKA_BROKERS,
// KAFKA_DLQ_TOPIC, KAFKA_INPUT_TOPICS, TLS and SASL); flags override it.
func dlqCommand(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	if len(args) == 0 || args[0] != "replay" {
		fmt.Fprint(stderr, dlqUsage)
		return 2
	}
	cfg, err := kafkaConfig(lookup)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker dlq replay: bad configuration:\n%v\n", err)
		return 2
	}

	fset := flag.NewFlagSet("dlq replay", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(stderr, dlqUsage); fset.PrintDefaults() }
	o := consumer.ReplayOptions{DefaultTo: cfg.InputTopics[0]}
	brokers := fset.String("brokers", strings.Join(cfg.Brokers, ","), "comma-separated brokers (default $KAFKA_BROKERS)")
	fset.StringVar(&o.DLQTopic, "dlq-topic", cfg.DLQTopic, "dead-letter topic to read (default $KAFKA_DLQ_TOPIC)")
	fset.StringVar(&o.To, "to", "", "topic to publish to (default: the record's source.topic header, else the first of $KAFKA_INPUT_TOPICS)")
	fset.StringVar(&o.Class, "class", "", "only records of this error.class (invalid, rejected, exhausted, unwritable)")
	since := fset.String("since", "", "only records dead-lettered since this RFC3339 time or duration ago (24h)")
	fset.StringVar(&o.EventID, "event-id", "", "only the record with this event.id")
	fset.BoolVar(&o.DryRun, "dry-run", false, "list what would be replayed; publish and commit nothing")
	fset.IntVar(&o.MaxReplays, "max-replays", 3, "skip records already replayed this many times (0: no limit)")
	fset.StringVar(&o.Group, "group", cfg.GroupID+"-dlq-replay", "consumer group that remembers how far replay has read")
	if err := fset.Parse(args[1:]); err != nil {
		return 2
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
	dialer, transport, err := consumer.Connections(cfg.Kafka)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker dlq replay: %v\n", err)
		return 2
	}
	o.Dialer, o.Transport = dialer, transport
	sum, err := consumer.Replay(ctx, o, stdout)
	fmt.Fprintf(stdout, "replayed=%d skipped=%d matched=%d\n", sum.Replayed, sum.Skipped, sum.Matched)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker dlq replay: %v\n", err)
		return 1
	}
	return 0
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
