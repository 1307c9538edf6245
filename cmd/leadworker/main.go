package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/logmask"
	"github.com/leadworker/leadworker/worker"
)

const usage = `usage: leadworker <command>

commands:
  run     consume and process events; configured from the environment (see README.md)
  demo    run the whole pipeline on an embedded Kafka and a fake myKaarma, print what happened
  bench   measure throughput against the embedded Kafka and the fake myKaarma
  dlq     dead-letter topic tools: leadworker dlq replay -h
  topics  create the topics the worker needs: leadworker topics create -h
  admin   admin actions on the worker beside it: leadworker admin resume
  probe   health check of the worker beside it: leadworker probe ready|alive
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
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "run":
		return runCommand(ctx, stderr, lookup)
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

func runCommand(ctx context.Context, stderr io.Writer, lookup func(string) (string, bool)) int {
	cfg, err := loadConfig(lookup)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker: bad configuration:\n%v\n", err)
		return 2
	}
	// The logger masks customers' personal data and never prints a secret,
	// in any of its escaped forms (the Basic token is base64 of user:password).
	log := logmask.New(cfg.LogLevel, cfg.LogFormat, stderr,
		cfg.Password, cfg.Username+":"+cfg.Password, cfg.Kafka.SASLPassword)
	tp, err := worker.TracerProvider(ctx, lookup)
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
	w, err := worker.New(cfg, log, nil, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker: %v\n", err)
		return 2
	}
	log.WithFields(map[string]any{
		"brokers": cfg.Brokers, "group": cfg.GroupID, "topics": cfg.InputTopics,
		"results": cfg.ResultTopic, "dlq": cfg.DLQTopic, "mykaarma": cfg.BaseURL,
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
