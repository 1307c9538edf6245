package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

const adminUsage = `usage: leadworker admin resume

Lifts a dead-letter flood pause of the worker running beside this command: it
sends POST /admin/resume to ADMIN_ADDR (default 127.0.0.1:8081) with
ADMIN_TOKEN or ADMIN_TOKEN_FILE when set. Run it where the worker runs, for
example with kubectl exec.
`

const probeUsage = `usage: leadworker probe ready|alive

Asks the worker running beside this command for /readyz (ready) or /healthz
(alive) on HTTP_ADDR (default :8080) and exits 0 when it answers 200, else 1.
For container health checks in images without curl or wget.
`

// adminCommand runs `leadworker admin resume`.
func adminCommand(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	if len(args) != 1 || args[0] != "resume" {
		fmt.Fprint(stderr, adminUsage)
		return 2
	}
	e := &env{lookup: lookup}
	addr := adminAddr(e, "127.0.0.1:8081")
	token := e.secret("ADMIN_TOKEN")
	if len(e.errs) > 0 {
		fmt.Fprintf(stderr, "leadworker admin: %v\n", e.errs[0])
		return 2
	}
	if addr == "" {
		fmt.Fprintln(stderr, "leadworker admin: ADMIN_ADDR is off; the worker serves no admin actions")
		return 2
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, localURL(addr, "/admin/resume"), nil)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker admin: %v\n", err)
		return 2
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return call(req, stdout, stderr)
}

// probeCommand runs `leadworker probe ready|alive`.
func probeCommand(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	paths := map[string]string{"ready": "/readyz", "alive": "/healthz"}
	if len(args) != 1 || paths[args[0]] == "" {
		fmt.Fprint(stderr, probeUsage)
		return 2
	}
	e := &env{lookup: lookup}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, localURL(e.str("HTTP_ADDR", ":8080"), paths[args[0]]), nil)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker probe: %v\n", err)
		return 2
	}
	return call(req, stdout, stderr)
}

// localURL is the http URL of path on a listen address; an address without a
// host, or on every interface, is reached on loopback.
func localURL(addr, path string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + path
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + path
}

// call sends req, prints the answer, and returns 0 for 200, else 1.
func call(req *http.Request, stdout, stderr io.Writer) int {
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "leadworker: %s %s: %v\n", req.Method, req.URL.Path, err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	fmt.Fprintln(stdout, strings.TrimSpace(string(body)))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "leadworker: %s %s answered %s\n", req.Method, req.URL.Path, resp.Status)
		return 1
	}
	return 0
}
