package worker

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Call sends method path to the worker listening on addr (HTTP_ADDR or
// ADMIN_ADDR; an address without a host, or on every interface, is reached on
// loopback), with token as a bearer token when it is not empty, and returns
// the body. A status other than 200 is an error, returned with the body.
// It is what `leadworker probe` and `leadworker admin` use.
func Call(ctx context.Context, method, addr, path, token string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, localURL(addr, path), nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("%s %s answered %s", method, path, resp.Status)
	}
	return body, nil
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
