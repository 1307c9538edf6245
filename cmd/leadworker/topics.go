package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/leadworker/leadworker/consumer"
)

const topicsUsage = `usage: leadworker topics create [flags]

Creates the topics the worker needs, from the same environment as run
(KAFKA_BROKERS, KAFKA_INPUT_TOPICS, KAFKA_RESULT_TOPIC, KAFKA_DLQ_TOPIC,
KAFKA_ROUTE_TOPIC, TLS and SASL), with cleanup.policy=delete. Topics that exist
are left as they are. The dead-letter and route topics allow the input's
max.message.bytes plus 64 KiB for headers; the route topic gets the input's
partition count and retention. The worker itself never creates topics.
`

// topicsCommand runs `leadworker topics create`.
func topicsCommand(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	if len(args) == 0 || args[0] != "create" || (len(args) > 1 && isHelp(args[1])) {
		return topicsHelp(args, stdout, stderr)
	}
	cfg, err := kafkaConfig(lookup)
	if len(cfg.Brokers) == 0 {
		err = errors.Join(err, errors.New("KAFKA_BROKERS is required (comma-separated host:port list)"))
	}
	if err != nil {
		fmt.Fprintf(stderr, "leadworker topics: bad configuration:\n%v\n", err)
		return 2
	}
	spec := consumer.TopicsSpec{Brokers: cfg.Brokers, Inputs: cfg.InputTopics, Result: cfg.ResultTopic, DLQ: cfg.DLQTopic}
	if cfg.IdentityRouting {
		spec.Route = cfg.RouteTopic
	}
	fset := flag.NewFlagSet("topics create", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(stderr, topicsUsage); fset.PrintDefaults() }
	fset.IntVar(&spec.Partitions, "partitions", 12, "partitions of new input, result and dead-letter topics (the route topic follows the input)")
	fset.IntVar(&spec.ReplicationFactor, "replication-factor", -1, "replication factor of new topics (-1: the broker's default.replication.factor)")
	fset.IntVar(&spec.MinInsyncReplicas, "min-insync-replicas", 0, "min.insync.replicas of new topics (0: the broker's default)")
	if err := fset.Parse(args[1:]); err != nil {
		return 2
	}
	_, transport, err := consumer.Connections(cfg.Kafka)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker topics: %v\n", err)
		return 2
	}
	spec.Transport = transport
	res, err := consumer.CreateTopics(ctx, spec)
	printTopics(stdout, res)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker topics: %v\n", err)
		return 1
	}
	return 0
}

// topicsHelp prints topics create's help: to stdout with status 0 when asked
// for (topics -h, topics create -h), else to stderr with status 2. It needs no
// environment.
func topicsHelp(args []string, stdout, stderr io.Writer) int {
	w, status := stderr, 2
	if len(args) > 0 && (isHelp(args[0]) || (args[0] == "create" && len(args) > 1 && isHelp(args[1]))) {
		w, status = stdout, 0
	}
	fset := flag.NewFlagSet("topics create", flag.ContinueOnError)
	var spec consumer.TopicsSpec
	fset.IntVar(&spec.Partitions, "partitions", 12, "partitions of new input, result and dead-letter topics (the route topic follows the input)")
	fset.IntVar(&spec.ReplicationFactor, "replication-factor", -1, "replication factor of new topics (-1: the broker's default.replication.factor)")
	fset.IntVar(&spec.MinInsyncReplicas, "min-insync-replicas", 0, "min.insync.replicas of new topics (0: the broker's default)")
	printHelp(w, topicsUsage, fset, kafkaVariables(), "")
	return status
}

func printTopics(out io.Writer, res []consumer.TopicResult) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	fmt.Fprintln(tw, "TOPIC\tACTION\tPARTITIONS\tSETTINGS")
	for _, r := range res {
		action := "exists, left as it is"
		if r.Created {
			action = "created"
		}
		var settings []string
		for k, v := range r.Configs {
			settings = append(settings, k+"="+v)
		}
		sort.Strings(settings)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.Topic, action, r.Partitions, strings.Join(settings, " "))
	}
}
