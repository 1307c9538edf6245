package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/leadworker/leadworker/kafkaadmin"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

const topicsUsage = `usage: leadworker topics create [flags]

Creates the topics the worker needs, from the same environment as run
(KAFKA_BROKERS, KAFKA_GROUP_ID, KAFKA_INPUT_TOPICS, KAFKA_RESULT_TOPIC, KAFKA_DLQ_TOPIC,
KAFKA_ROUTE_TOPIC, KAFKA_BULK_ROUTE_TOPIC, KAFKA_PARKED_TOPIC, PARK_MAX_AGE, TLS
and SASL), with cleanup.policy=delete. Topics that exist are left as they are.
Other consumer groups on the input or route topics are reported as warnings.
The dead-letter and route topics allow the largest max.message.bytes of the
inputs plus 64 KiB for headers; the route topic gets their largest partition
count and longest retention; the bulk route topic the route topic's partitions
and settings; the parked topic the route topic's partitions and a retention of
at least 7 days and twice PARK_MAX_AGE. The worker itself never
creates topics.
`

// topicsCommand runs `leadworker topics create`.
func topicsCommand(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	if len(args) == 0 || args[0] != "create" || (len(args) > 1 && isHelp(args[1])) {
		return topicsHelp(args, stdout, stderr)
	}
	var spec kafkaadmin.TopicsSpec
	fset := topicsFlags(&spec)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(stderr, topicsUsage); fset.PrintDefaults() }
	if err := fset.Parse(args[1:]); err != nil {
		return 2
	}
	var bad []error
	if fset.NArg() > 0 {
		bad = append(bad, fmt.Errorf("unexpected arguments %q: topics create takes only flags", fset.Args()))
	}
	if spec.Partitions <= 0 {
		bad = append(bad, fmt.Errorf("--partitions %d: want at least 1", spec.Partitions))
	}
	if spec.ReplicationFactor == 0 || spec.ReplicationFactor < -1 {
		bad = append(bad, fmt.Errorf("--replication-factor %d: want -1 or at least 1", spec.ReplicationFactor))
	}
	if spec.MinInsyncReplicas < 0 {
		bad = append(bad, fmt.Errorf("--min-insync-replicas %d: want 0 or more", spec.MinInsyncReplicas))
	}
	if len(bad) > 0 {
		fmt.Fprintf(stderr, "leadworker topics: %v\n", errors.Join(bad...))
		return 2
	}
	cfg, err := kafkaConfig(lookup)
	if len(cfg.Brokers) == 0 {
		err = errors.Join(err, errors.New("KAFKA_BROKERS is required (comma-separated host:port list)"))
	}
	if err != nil {
		fmt.Fprintf(stderr, "leadworker topics: bad configuration:\n%v\n", err)
		return 2
	}
	spec.Brokers, spec.Inputs, spec.Result, spec.DLQ = cfg.Brokers, cfg.InputTopics, cfg.ResultTopic, cfg.DLQTopic
	spec.Group = cfg.GroupID
	spec.Parked, spec.ParkedRetention = cfg.ParkedTopic, 2*cfg.ParkMaxAge
	if cfg.IdentityRouting {
		spec.Route, spec.Bulk, spec.RouteGroup = cfg.RouteTopic, cfg.BulkRouteTopic, cfg.RouteGroup()
	}
	_, transport, err := kafkaadmin.Connections(cfg.Kafka)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker topics: %v\n", err)
		return 2
	}
	spec.Transport = transport
	res, err := kafkaadmin.CreateTopics(ctx, spec)
	printTopics(stdout, res)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker topics: %v\n", err)
		return 1
	}
	shared, err := kafkaadmin.SharedTopics(ctx, spec)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker topics: warning: cannot tell which other groups consume these topics: %v\n", err)
	}
	printShared(stderr, shared)
	return 0
}

// printShared warns of the other groups consuming a topic the worker
// consumes: a warning, not a failure, since another group on an input may be
// any other consumer.
func printShared(out io.Writer, shared []kafkaadmin.SharedTopic) {
	for _, s := range shared {
		for _, g := range s.Others {
			if s.Route {
				fmt.Fprintf(out, "leadworker topics: warning: route topic %s is also consumed by group %s (%d records behind): "+
					"the two deployments process each other's events; give each its own route topics (unset, KAFKA_ROUTE_TOPIC is <KAFKA_GROUP_ID>.route and KAFKA_BULK_ROUTE_TOPIC <KAFKA_GROUP_ID>.route.bulk)\n",
					s.Topic, g.Group, g.Lag)
				continue
			}
			fmt.Fprintf(out, "leadworker topics: warning: input topic %s is also consumed by group %s (%d records behind): "+
				"if that is another leadworker deployment, both process every event\n", s.Topic, g.Group, g.Lag)
		}
	}
}

// topicsHelp prints topics create's help: to stdout with status 0 when asked
// for (topics -h, topics create -h), else to stderr with status 2. It needs no
// environment.
func topicsHelp(args []string, stdout, stderr io.Writer) int {
	w, status := stderr, 2
	if len(args) > 0 && (isHelp(args[0]) || (args[0] == "create" && len(args) > 1 && isHelp(args[1]))) {
		w, status = stdout, 0
	}
	var spec kafkaadmin.TopicsSpec
	fset := topicsFlags(&spec)
	printHelp(w, topicsUsage, fset, kafkaVariables(), "")
	return status
}

func printTopics(out io.Writer, res []kafkaadmin.TopicResult) {
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

// topicsFlags are topics create's flags, set into spec.
func topicsFlags(spec *kafkaadmin.TopicsSpec) *flag.FlagSet {
	fset := flag.NewFlagSet("topics create", flag.ContinueOnError)
	fset.IntVar(&spec.Partitions, "partitions", kafkaadmin.DefaultPartitions, "partitions of new input, result and dead-letter topics (the route topic follows the inputs)")
	fset.IntVar(&spec.ReplicationFactor, "replication-factor", -1, "replication factor of new topics (-1: the broker's default.replication.factor)")
	fset.IntVar(&spec.MinInsyncReplicas, "min-insync-replicas", 0, "min.insync.replicas of new topics (0: the broker's default)")
	return fset
}
