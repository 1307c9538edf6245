package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/logmask"
	"github.com/leadworker/leadworker/worker"
)

const usage = `usage: leadworker <command> [flags]

commands:
  run      consume and process events; configured from the environment (README.md)
  demo     run the whole pipeline on an embedded Kafka and a fake myKaarma, print what happened
  bench    measure throughput against the embedded Kafka and the fake myKaarma
  produce  send events (the samples in examples/, files or stdin lines) to the input topic
  tail     print the results and dead letters, the last few or as they arrive
  dlq      dead-letter topic tools: leadworker dlq replay
  topics   create the topics the worker needs: leadworker topics create
  admin    admin actions on the worker beside it: leadworker admin resume|departments
  probe    health check of the worker beside it: leadworker probe ready|alive
  version  the module version, commit and Go version of this binary

leadworker <command> -h (or leadworker help <command>) lists a command's flags and
the environment variables it reads; none of them needs the environment to be set.
`

const runUsage = `usage: leadworker run

Consumes the input topics and writes exactly one result or dead letter per
event, committing offsets only after that output is acknowledged. Runs until
SIGTERM or SIGINT, then drains in-flight events and leaves its groups. It is
configured only from the environment: a bad or missing setting exits 2 naming
the variable. Required: KAFKA_BROKERS, MYKAARMA_USERNAME, and MYKAARMA_PASSWORD
or MYKAARMA_PASSWORD_FILE. Defaults and meanings: README.md, "Configuration".
`

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}

// realMain returns the exit status: 0 done, 1 failed, 2 bad usage or configuration.
func realMain(args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if isHelp(args[0]) && len(args) > 1 {
		// leadworker help <command> is <command> -h.
		args = append([]string{args[1]}, append([]string{"-h"}, args[2:]...)...)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "run":
		return runCommand(ctx, args[1:], stdout, stderr, lookup)
	case "produce":
		return produceCommand(ctx, args[1:], os.Stdin, stdout, stderr, lookup)
	case "tail":
		return tailCommand(ctx, args[1:], stdout, stderr, lookup)
	case "version":
		return versionCommand(args[1:], stdout, stderr)
	case "dlq":
		return dlqCommand(ctx, args[1:], stdout, stderr, lookup)
	case "topics":
		return topicsCommand(ctx, args[1:], stdout, stderr, lookup)
	case "admin":
		return adminCommand(ctx, args[1:], stdout, stderr, lookup)
	case "probe":
		return probeCommand(ctx, args[1:], stdout, stderr, lookup)
	case "demo":
		return demoCommand(ctx, args[1:], stdout, stderr)
	case "bench":
		return benchCommand(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "leadworker: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

// runVariables lists what run reads, for its help.
func runVariables() []string {
	return envReads(func(lookup func(string) (string, bool)) {
		_, _ = loadConfig(lookup)
		_, _ = tracerProvider(context.Background(), lookup) // nil on an empty environment
		_, _ = lookup("OTEL_PROPAGATORS")
		_, _ = memoryLimit(lookup)
	})
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	if len(args) > 0 {
		if isHelp(args[0]) {
			printHelp(stdout, runUsage, nil, runVariables(), "and OpenTelemetry's other OTEL_* variables (README.md, \"Tracing\")")
			return 0
		}
		fmt.Fprintf(stderr, "leadworker run: takes no arguments, only the environment\n\n%s", runUsage)
		return 2
	}
	cfg, err := loadConfig(lookup)
	softLimit, memErr := memoryLimit(lookup)
	if err = errors.Join(err, memErr); err != nil {
		fmt.Fprintf(stderr, "leadworker: bad configuration:\n%v\n", err)
		return 2
	}
	// The logger masks customers' personal data and never prints a secret,
	// in any of its escaped forms (the Basic token is base64 of user:password).
	log := logmask.New(cfg.LogLevel, cfg.LogFormat, stderr,
		cfg.Password, cfg.Username+":"+cfg.Password, cfg.Kafka.SASLPassword)
	tp, err := tracerProvider(ctx, lookup)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker: bad configuration:\n%v\n", err)
		return 2
	}
	var opts []worker.Option
	if v, ok := lookup("OTEL_PROPAGATORS"); ok {
		opts = append(opts, worker.WithPropagators(strings.Split(v, ",")...))
	}
	if tp != nil {
		opts = append(opts, worker.WithTracerProvider(tp))
		defer func() {
			// Flush what is batched; ctx has ended by now.
			flush, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := tp.Shutdown(flush); err != nil {
				log.WithError(err).Warn("tracing: spans not flushed at shutdown")
			}
		}()
		log.Info("tracing: exporting spans (OTEL_* variables)")
	}
	w, err := worker.New(cfg, append(opts, worker.WithLogger(log))...)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker: %v\n", err)
		return 2
	}
	if softLimit > 0 {
		debug.SetMemoryLimit(softLimit)
	}
	info, ok := debug.ReadBuildInfo()
	v := readVersion(info, ok, version, commit)
	log.WithFields(map[string]any{
		"brokers": cfg.Brokers, "group": cfg.GroupID, "topics": cfg.InputTopics,
		"results": cfg.ResultTopic, "dlq": cfg.DLQTopic, "mykaarma": cfg.BaseURL,
		"version": v.Version, "commit": v.Commit, "go_memory_limit": goMemoryLimit(),
	}).Info("leadworker starting")
	if err := w.Run(ctx); err != nil {
		log.WithError(err).Error("leadworker stopped with an error")
		if errors.Is(err, consumer.ErrStartupCheck) {
			fmt.Fprintf(stderr, "leadworker: refused to start: %v\n", err)
			return 2
		}
		return 1
	}
	log.Info("leadworker stopped")
	return 0
}
