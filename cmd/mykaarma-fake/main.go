package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/leadworker/leadworker/examples"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
)

const shutdownGrace = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := logrus.New()
	log.SetFormatter(&logrus.JSONFormatter{})
	code := realMain(ctx, os.Args[1:], os.Getenv, os.Stdout, log)
	stop()
	os.Exit(code)
}

// realMain returns the exit status: 0 after a clean stop or -h, 1 on an error.
func realMain(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, log logrus.FieldLogger) int {
	err := run(ctx, args, getenv, log, nil)
	var help *helpRequested
	switch {
	case errors.As(err, &help):
		fmt.Fprint(stdout, help.usage)
	case err != nil:
		log.WithError(err).Error("mykaarma-fake stopped")
		return 1
	}
	return 0
}

// config is what flags and environment say.
type config struct {
	addr     string
	username string
	password string
	failRate float64
	latency  time.Duration
	seed     int64
	load     string // "examples" or ""
}

// helpRequested is what -h returns: the flag summary to print, and exit 0.
type helpRequested struct{ usage string }

func (h *helpRequested) Error() string { return "help requested" }

func parseConfig(args []string, getenv func(string) string) (config, error) {
	var c config
	fs := flag.NewFlagSet("mykaarma-fake", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8089", "listen address")
	fs.Float64Var(&c.failRate, "fail-rate", 0, "probability in 0..1 that an API call answers 503")
	fs.DurationVar(&c.latency, "latency", 0, "delay added to every API call")
	fs.Int64Var(&c.seed, "seed", 1, "seed of the fault randomness")
	fs.StringVar(&c.load, "load", "", `"examples": start with the customers the samples in examples/ match (as leadworker demo does)`)
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		var b strings.Builder
		b.WriteString("usage: mykaarma-fake [flags]\n\nServes the fake myKaarma API; credentials from FAKE_MYKAARMA_USERNAME and FAKE_MYKAARMA_PASSWORD.\n\n")
		fs.SetOutput(&b)
		fs.PrintDefaults()
		return c, &helpRequested{usage: b.String()}
	} else if err != nil {
		return c, err
	}
	if c.load != "" && c.load != "examples" {
		return c, fmt.Errorf("-load %q: the only set is examples", c.load)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.failRate < 0 || c.failRate > 1 {
		return c, fmt.Errorf("-fail-rate %v: want 0..1", c.failRate)
	}
	if c.latency < 0 {
		return c, errors.New("-latency must not be negative")
	}
	c.username = getenv("FAKE_MYKAARMA_USERNAME")
	c.password = getenv("FAKE_MYKAARMA_PASSWORD")
	return c, nil
}

// handler serves the admin endpoints under /_fake/ and the fake API elsewhere, logging API calls.
func handler(fake *mykaarmatest.Server, log logrus.FieldLogger) http.Handler {
	admin := fake.AdminHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_fake/") {
			admin.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		fake.ServeHTTP(w, r)
		// The path only: the query may hold a customer's phone or email.
		log.WithFields(logrus.Fields{
			"method":   r.Method,
			"path":     r.URL.Path,
			"duration": time.Since(start).String(),
		}).Info("request")
	})
}

// run serves until ctx is done. ready, if not nil, receives the listening address.
func run(ctx context.Context, args []string, getenv func(string) string, log logrus.FieldLogger, ready chan<- string) error {
	cfg, err := parseConfig(args, getenv)
	if err != nil {
		return err
	}
	fake := mykaarmatest.New(mykaarmatest.Options{Username: cfg.username, Password: cfg.password, Seed: cfg.seed})
	if cfg.latency > 0 {
		fake.AddFault(mykaarmatest.Fault{Latency: cfg.latency})
	}
	if cfg.failRate > 0 {
		fake.AddFault(mykaarmatest.Fault{Status: http.StatusServiceUnavailable, Probability: cfg.failRate})
	}
	if cfg.load == "examples" {
		for _, c := range examples.Customers() {
			fake.AddCustomer(examples.Department, c.CustomerWithVehicles)
		}
		log.WithFields(logrus.Fields{"customers": len(examples.Customers()), "department": examples.Department}).Info("loaded the examples' customers")
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: handler(fake, log), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.WithFields(logrus.Fields{"addr": ln.Addr().String(), "failRate": cfg.failRate, "latency": cfg.latency.String()}).Info("mykaarma-fake listening")
	if ready != nil {
		ready <- ln.Addr().String()
	}

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("mykaarma-fake stopping")
	fake.Close() // release hanging requests first, or Shutdown would wait for them
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
