package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/leadworker/leadworker/console"
	"github.com/leadworker/leadworker/kafkaadmin"
)

const produceUsage = `usage: leadworker produce [flags] [FILE...]

Sends events to the input topic (the first of KAFKA_INPUT_TOPICS, or --topic)
as a CRM producer should: keyed by their eventId, placed on the partition the
Java client's default partitioner picks for the key (murmur2), acknowledged by
every in-sync replica. With the same TLS and SASL settings as leadworker run.

Without FILE it sends the sample events of examples/ (built into this binary,
except the image's, which is built with -tags nosandbox).
Each FILE is one record, its whole content; "-" reads standard input, one record
per non-empty line, and sends them when it ends. A record without an eventId
(not JSON, say) is keyed by its file name, or has no key when read from stdin.
It prints where each record went: partition and offset.
`

// produceCommand runs `leadworker produce`.
func produceCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	fset := flag.NewFlagSet("produce", flag.ContinueOnError)
	topic := fset.String("topic", "", "topic to send to (default: the first of $KAFKA_INPUT_TOPICS, else crm.events)")
	headers := map[string]string{}
	fset.Func("header", "a header `name=value` for every record, such as traceparent=00-…; repeatable", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return errors.New("want name=value")
		}
		headers[k] = v
		return nil
	})
	help := func(w io.Writer) { printHelp(w, produceUsage, fset, kafkaVariables(), "") }
	if done, status := parseFlags(fset, args, stdout, stderr, help); done {
		return status
	}
	k, cfgTopics, ok := consoleKafka("produce", stderr, lookup)
	if !ok {
		return 2
	}
	if *topic == "" {
		*topic = cfgTopics.InputTopics[0]
	}
	recs, err := produceRecords(fset.Args(), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker produce: %v\n", err)
		return 1
	}
	if len(recs) == 0 {
		fmt.Fprintln(stderr, "leadworker produce: nothing to send")
		return 1
	}
	for i := range recs {
		if len(headers) > 0 {
			recs[i].Headers = headers
		}
	}
	sent, err := console.Produce(ctx, k, *topic, recs)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RECORD\tKEY\tPARTITION\tOFFSET")
	for _, p := range sent {
		key := string(p.Key)
		if p.Key == nil {
			key = "(none)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", p.Name, key, p.Partition, p.Offset)
	}
	tw.Flush()
	if err != nil {
		fmt.Fprintf(stderr, "leadworker produce: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "sent %d records to %s\n", len(sent), *topic)
	return 0
}

// produceRecords reads what produce sends: the samples, the files, stdin.
func produceRecords(args []string, stdin io.Reader) ([]console.Record, error) {
	if len(args) == 0 {
		samples := sampleEvents()
		if samples == nil {
			return nil, errors.New("this build holds no sample events (built with -tags nosandbox): name files, or - for stdin")
		}
		return console.Samples(samples)
	}
	var recs []console.Record
	for _, a := range args {
		var more []console.Record
		var err error
		if a == "-" {
			more, err = console.Lines(stdin, "stdin")
		} else {
			more, err = console.Files([]string{a})
		}
		if err != nil {
			return nil, err
		}
		recs = append(recs, more...)
	}
	return recs, nil
}

// consoleKafka reads the Kafka configuration produce and tail share with run:
// brokers, topics, TLS and SASL. It prints the problem and returns false
// when the configuration is bad.
func consoleKafka(command string, stderr io.Writer, lookup func(string) (string, bool)) (console.Kafka, topicNames, bool) {
	cfg, err := kafkaConfig(lookup)
	if len(cfg.Brokers) == 0 {
		err = errors.Join(err, errors.New("KAFKA_BROKERS is required (comma-separated host:port list)"))
	}
	if err != nil {
		fmt.Fprintf(stderr, "leadworker %s: bad configuration:\n%v\n", command, err)
		return console.Kafka{}, topicNames{}, false
	}
	dialer, transport, err := kafkaadmin.Connections(cfg.Kafka)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker %s: %v\n", command, err)
		return console.Kafka{}, topicNames{}, false
	}
	return console.Kafka{Brokers: cfg.Brokers, Dialer: dialer, Transport: transport},
		topicNames{InputTopics: cfg.InputTopics, ResultTopic: cfg.ResultTopic, DLQTopic: cfg.DLQTopic}, true
}

// topicNames are the configured topics produce and tail use.
type topicNames struct {
	InputTopics           []string
	ResultTopic, DLQTopic string
}
