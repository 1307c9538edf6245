package deploy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/examples"
	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/sandbox"
	"github.com/leadworker/leadworker/worker"
)

// TestPrometheusScrapesAndAlerts runs Debian's Prometheus against a worker
// whose myKaarma password is wrong, with alerts.yml loaded (every `for`
// shortened to 0s): the worker is scraped (target up), and LeadworkerPaused
// fires with reason=auth once an event meets the refused credentials, while
// LeadworkerCircuitOpen stays silent. It skips without the prometheus
// binary unless LEADWORKER_REQUIRE_PROMTOOL=1.
func TestPrometheusScrapesAndAlerts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus")
	}
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("LEADWORKER_REQUIRE_PROMTOOL") == "1" {
			t.Fatal("prometheus not found and LEADWORKER_REQUIRE_PROMTOOL=1 (apt-get install prometheus)")
		}
		t.Skip("prometheus not installed (apt-get install prometheus); LEADWORKER_REQUIRE_PROMTOOL=1 makes this a failure")
	}
	workerURL, cfg := startWorker(t, func(c *worker.Config) { c.Password = "not-the-password" })
	target := strings.TrimPrefix(workerURL, "http://")

	dir := t.TempDir()
	rules, err := os.ReadFile("prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	rules = regexp.MustCompile(`(?m)^(\s+)for: \S+$`).ReplaceAll(rules, []byte("${1}for: 0s"))
	if err := os.WriteFile(filepath.Join(dir, "alerts.yml"), rules, 0o644); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: leadworker
    static_configs:
      - targets: [%q]
`, filepath.Join(dir, "alerts.yml"), target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	var log bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		<-exited
		if t.Failed() {
			t.Logf("prometheus log:\n%s", log.String())
		}
	})
	api := "http://" + addr + "/api/v1/"

	testkit.WaitFor(t, 30*time.Second, "Prometheus to scrape the worker", func() bool {
		var r struct {
			Data struct {
				ActiveTargets []struct {
					ScrapeURL string `json:"scrapeUrl"`
					Health    string `json:"health"`
				} `json:"activeTargets"`
			} `json:"data"`
		}
		return get(api+"targets", &r) == nil && len(r.Data.ActiveTargets) == 1 && r.Data.ActiveTargets[0].Health == "up"
	})
	if firing(t, api, "LeadworkerPaused") != nil {
		t.Fatal("LeadworkerPaused fires before any event met the refused credentials")
	}

	samples := []sandbox.Sample{{Name: "01", Key: "k1", Value: mustRead(t, "01-new-customer-lead.json")}}
	ctx := t.Context()
	if err := sandbox.Produce(ctx, cfg, samples); err != nil {
		t.Fatal(err)
	}
	var labels map[string]string
	testkit.WaitFor(t, 30*time.Second, "LeadworkerPaused to fire", func() bool {
		labels = firing(t, api, "LeadworkerPaused")
		return labels != nil
	})
	if labels["reason"] != "auth" || labels["severity"] != "critical" {
		t.Errorf("LeadworkerPaused labels %v; want reason=auth, severity=critical", labels)
	}
	if firing(t, api, "LeadworkerCircuitOpen") != nil {
		t.Error("LeadworkerCircuitOpen fires on refused credentials; the circuit is for outages")
	}
}

// firing returns the labels of the named alert if Prometheus has it firing.
func firing(t *testing.T, api, name string) map[string]string {
	t.Helper()
	var r struct {
		Data struct {
			Alerts []struct {
				Labels map[string]string `json:"labels"`
				State  string            `json:"state"`
			} `json:"alerts"`
		} `json:"data"`
	}
	if err := get(api+"alerts", &r); err != nil {
		return nil
	}
	for _, a := range r.Data.Alerts {
		if a.Labels["alertname"] == name && a.State == "firing" {
			return a.Labels
		}
	}
	return nil
}

func get(u string, v any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// freeAddr returns a loopback address nothing listens on now (Prometheus
// cannot report the port it chose for :0).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := examples.Events.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
