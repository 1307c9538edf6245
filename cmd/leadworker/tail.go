package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/leadworker/leadworker/console"
)

const tailUsage = `usage: leadworker tail [-n N] [--follow] [flags]

Prints the results and dead letters (KAFKA_RESULT_TOPIC, KAFKA_DLQ_TOPIC) as
one table, one row per output: the last N already on the topics, oldest first,
then, with --follow, each new one as it arrives until interrupted (Ctrl-C).
A result shows its verdict; a dead letter its class and message (--headers
prints all its headers below it). It reads with the same TLS and SASL settings
as leadworker run, and joins no consumer group: it commits nothing.
`

// tailCommand runs `leadworker tail`.
func tailCommand(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	fset := flag.NewFlagSet("tail", flag.ContinueOnError)
	last := 10
	fset.Func("n", "print the last `N` outputs first (default 10); all for every one on the topics, 0 for none", func(s string) error {
		if s == "all" {
			last = -1
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return errors.New("want a whole number >= 0, or all")
		}
		last = n
		return nil
	})
	var follow, headers bool
	fset.BoolVar(&follow, "follow", false, "keep printing outputs as they arrive, until interrupted")
	fset.BoolVar(&follow, "f", false, "short for --follow")
	fset.BoolVar(&headers, "headers", false, "print each dead letter's headers below its row")
	results := fset.String("results-topic", "", "result topic (default $KAFKA_RESULT_TOPIC, else leadworker.results)")
	dlq := fset.String("dlq-topic", "", "dead-letter topic (default $KAFKA_DLQ_TOPIC, else leadworker.dlq)")
	help := func(w io.Writer) { printHelp(w, tailUsage, fset, kafkaVariables(), "") }
	if done, status := parseFlags(fset, args, stdout, stderr, help); done {
		return status
	}
	if fset.NArg() > 0 {
		fmt.Fprintf(stderr, "leadworker tail: unexpected argument %q\n\n", fset.Arg(0))
		help(stderr)
		return 2
	}
	k, topics, ok := consoleKafka("tail", stderr, lookup)
	if !ok {
		return 2
	}
	if *results == "" {
		*results = topics.ResultTopic
	}
	if *dlq == "" {
		*dlq = topics.DLQTopic
	}
	table := console.NewTable(stdout, console.TableOptions{Time: true})
	emitted := false
	err := console.Follow(ctx, console.FollowOptions{Kafka: k, ResultTopic: *results, DLQTopic: *dlq, Last: last, Follow: follow},
		func(outs []console.Output) {
			if len(outs) == 0 {
				return
			}
			emitted = true
			if !headers {
				table.Write(outs...) // a batch lines up as one
				return
			}
			for _, o := range outs {
				table.Write(o)
				if o.DeadLetter {
					console.PrintHeaders(stdout, "headers:", o)
				}
			}
		})
	if err != nil {
		fmt.Fprintf(stderr, "leadworker tail: %v\n", err)
		return 1
	}
	if !emitted && !follow {
		fmt.Fprintf(stdout, "no outputs on %s or %s\n", *results, *dlq)
	}
	return 0
}
