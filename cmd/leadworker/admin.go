package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/leadworker/leadworker/worker"
)

const adminUsage = `usage: leadworker admin resume [--department UUID]
       leadworker admin departments

Admin actions on the worker running beside this command, sent to ADMIN_ADDR
(default 127.0.0.1:8081) with ADMIN_TOKEN or ADMIN_TOKEN_FILE when set. Run
it where the worker runs, for example with kubectl exec.

  resume                      lift a dead-letter flood pause (POST /admin/resume)
  resume --department UUID    let that paused department's next event through
                              as its probe now (POST /admin/resume?department=UUID),
                              a parked one if all are parked; the department
                              resumes if it succeeds
  departments                 list the paused departments: reason, since, last
                              probe, events parked (GET /admin/departments)
`

const probeUsage = `usage: leadworker probe ready|alive

Asks the worker running beside this command for /readyz (ready) or /healthz
(alive) on HTTP_ADDR (default :8080) and exits 0 when it answers 200, else 1.
For container health checks in images without curl or wget.
`

// adminCommand runs `leadworker admin resume|departments`.
func adminCommand(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	fset := flag.NewFlagSet("leadworker admin resume", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	department := fset.String("department", "", "probe this paused department now instead of lifting a dead-letter flood pause")
	if len(args) > 0 && (isHelp(args[0]) || (len(args) > 1 && isHelp(args[1]))) {
		printHelp(stdout, adminUsage, fset, envReads(func(l func(string) (string, bool)) { adminTarget(l) }), "")
		return 0
	}
	var method, path string
	switch {
	case len(args) == 1 && args[0] == "departments":
		method, path = http.MethodGet, "/admin/departments"
	case len(args) >= 1 && args[0] == "resume":
		if err := fset.Parse(args[1:]); err != nil || fset.NArg() > 0 {
			fmt.Fprint(stderr, adminUsage)
			return 2
		}
		method, path = http.MethodPost, "/admin/resume"
		if *department != "" {
			path += "?department=" + url.QueryEscape(*department)
		}
	default:
		fmt.Fprint(stderr, adminUsage)
		return 2
	}
	addr, token, e := adminTarget(lookup)
	if len(e.errs) > 0 {
		fmt.Fprintf(stderr, "leadworker admin: %v\n", e.errs[0])
		return 2
	}
	if addr == "" {
		fmt.Fprintln(stderr, "leadworker admin: ADMIN_ADDR is off; the worker serves no admin actions")
		return 2
	}
	body, err := worker.Call(ctx, method, addr, path, token)
	return report(body, err, stdout, stderr)
}

// adminTarget reads where the worker serves admin actions and its token.
func adminTarget(lookup func(string) (string, bool)) (addr, token string, e *env) {
	e = &env{lookup: lookup}
	return adminAddr(e, "127.0.0.1:8081"), e.secret("ADMIN_TOKEN"), e
}

// probeCommand runs `leadworker probe ready|alive`.
func probeCommand(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	paths := map[string]string{"ready": "/readyz", "alive": "/healthz"}
	if len(args) > 0 && (isHelp(args[0]) || (len(args) > 1 && isHelp(args[1]))) {
		printHelp(stdout, probeUsage, nil, []string{"HTTP_ADDR"}, "")
		return 0
	}
	if len(args) != 1 || paths[args[0]] == "" {
		fmt.Fprint(stderr, probeUsage)
		return 2
	}
	e := &env{lookup: lookup}
	body, err := worker.Call(ctx, http.MethodGet, e.str("HTTP_ADDR", ":8080"), paths[args[0]], "")
	return report(body, err, stdout, stderr)
}

// report prints the worker's answer and returns 0 for 200, else 1.
func report(body []byte, err error, stdout, stderr io.Writer) int {
	if len(body) > 0 {
		fmt.Fprintln(stdout, strings.TrimSpace(string(body)))
	}
	if err != nil {
		fmt.Fprintf(stderr, "leadworker: %v\n", err)
		return 1
	}
	return 0
}
