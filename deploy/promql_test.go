package deploy_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/sandbox"
	"github.com/leadworker/leadworker/worker"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
)

// query is one PromQL expression and where it was found.
type query struct {
	where string
	expr  string
}

// ruleFile is a Prometheus rule file, decoded strictly (an unknown key
// fails). promtool check rules validates the rest (TestPromtool); Prometheus'
// own rulefmt package would link client-go into this test for the same.
type ruleFile struct {
	Groups []struct {
		Name     string `json:"name"`
		Interval string `json:"interval,omitempty"`
		Rules    []struct {
			Alert         string            `json:"alert,omitempty"`
			Record        string            `json:"record,omitempty"`
			Expr          string            `json:"expr"`
			For           string            `json:"for,omitempty"`
			KeepFiringFor string            `json:"keep_firing_for,omitempty"`
			Labels        map[string]string `json:"labels,omitempty"`
			Annotations   map[string]string `json:"annotations,omitempty"`
		} `json:"rules"`
	} `json:"groups"`
}

// alertQueries returns every rule's expression in prometheus/alerts.yml.
func alertQueries(t *testing.T) ([]query, *ruleFile) {
	t.Helper()
	b, err := os.ReadFile("prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rules ruleFile
	decodeStrict(t, "alerts.yml", b, &rules)
	var out []query
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("alerts.yml group %s: a rule without an alert name", g.Name)
			}
			out = append(out, query{where: "alerts.yml " + r.Alert, expr: r.Expr})
		}
	}
	if len(out) == 0 {
		t.Fatal("alerts.yml has no rules")
	}
	return out, &rules
}

// dashboard is the part of a Grafana dashboard's JSON these tests read.
type dashboard struct {
	Title      string `json:"title"`
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		Title   string `json:"title"`
		Type    string `json:"type"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

// grafanaVariables stand in for the dashboard's variables so that an
// expression parses as Prometheus will receive it.
var grafanaVariables = strings.NewReplacer(
	"$__rate_interval", "5m",
	"$__interval", "1m",
	"$__range", "1h",
	"$job", "leadworker",
	"$route_topic", "leadworker.route",
)

// dashboardQueries returns every panel's expression in grafana/leadworker.json
// and the metric of the job variable's label_values query.
func dashboardQueries(t *testing.T) []query {
	t.Helper()
	b, err := os.ReadFile("grafana/leadworker.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if d.UID == "" || d.Title == "" {
		t.Error("dashboard: want a uid and a title (import keeps them)")
	}
	var out []query
	for _, p := range d.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if strings.Contains(tg.Expr, "sum by (topic, partition) (leadworker_consumer_lag") || strings.Contains(tg.Expr, "sum(leadworker_consumer_lag") {
				t.Errorf("dashboard panel %q sums lag over replicas; every replica reports every partition: use max", p.Title)
			}
			out = append(out, query{where: "dashboard " + p.Title, expr: grafanaVariables.Replace(tg.Expr)})
		}
	}
	labelValues := regexp.MustCompile(`^label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*),`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(map[string]any)
		s, _ := q["query"].(string)
		m := labelValues.FindStringSubmatch(s)
		if m == nil {
			t.Errorf("dashboard variable %s: query %q is not label_values(metric, label)", v.Name, s)
			continue
		}
		out = append(out, query{where: "dashboard variable " + v.Name, expr: m[1]})
	}
	if len(out) < 10 {
		t.Fatalf("dashboard: %d queries; want the panels' queries", len(out))
	}
	return out
}

// metricNames parses expr and returns every metric name it selects.
func metricNames(t *testing.T, q query) []string {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(q.expr)
	if err != nil {
		t.Errorf("%s: %v\n%s", q.where, err, q.expr)
		return nil
	}
	var names []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			if vs.Name == "" {
				t.Errorf("%s: a selector without a metric name: %s", q.where, vs)
			}
			names = append(names, vs.Name)
		}
		return nil
	})
	if len(names) == 0 {
		t.Errorf("%s: selects no metric: %s", q.where, q.expr)
	}
	return names
}

// TestQueriesUseExportedMetrics: every metric name in the alert rules and
// the dashboard is one a running worker exports at /metrics; a histogram's
// _bucket, _sum and _count count as its name.
func TestQueriesUseExportedMetrics(t *testing.T) {
	exported := scrapeRunningWorker(t)
	alerts, _ := alertQueries(t)
	queries := append(alerts, dashboardQueries(t)...)
	used := map[string]bool{}
	for _, q := range queries {
		for _, name := range metricNames(t, q) {
			used[name] = true
			if !exports(exported, name) {
				t.Errorf("%s uses %s, which the worker does not export", q.where, name)
			}
		}
	}
	t.Logf("%d queries use %d metric names, all exported", len(queries), len(used))
}

// TestMetricCheckFailsOnUnknownNames: the check above catches a misspelt
// name and a suffix on a metric that is not a histogram.
func TestMetricCheckFailsOnUnknownNames(t *testing.T) {
	hist, gauge := dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE
	fams := map[string]*dto.MetricFamily{
		"leadworker_event_duration_seconds": {Type: &hist},
		"leadworker_in_flight":              {Type: &gauge},
	}
	for _, tt := range []struct {
		name string
		want bool
	}{
		{"leadworker_event_duration_seconds_bucket", true},
		{"leadworker_event_duration_seconds_count", true},
		{"leadworker_in_flight", true},
		{"leadworker_inflight", false},
		{"leadworker_in_flight_count", false},
	} {
		if got := exports(fams, tt.name); got != tt.want {
			t.Errorf("exports(%q) = %v; want %v", tt.name, got, tt.want)
		}
	}
}

// runbookBase is where every runbook_url points by default: this
// repository's README.md, absolute, so that the link works from Alertmanager
// (README.md#alerts says how to point them elsewhere).
const runbookBase = "https://github.com/leadworker/leadworker/blob/main/README.md"

// TestAlertsHaveRunbooks: every alert says how bad it is and links a README
// section that exists, absolutely.
func TestAlertsHaveRunbooks(t *testing.T) {
	_, groups := alertQueries(t)
	anchors := readmeAnchors(t)
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			if !slices.Contains([]string{"warning", "critical"}, r.Labels["severity"]) {
				t.Errorf("%s: severity %q; want warning or critical", r.Alert, r.Labels["severity"])
			}
			for _, a := range []string{"summary", "description"} {
				if r.Annotations[a] == "" {
					t.Errorf("%s: no %s annotation", r.Alert, a)
				}
			}
			base, anchor, _ := strings.Cut(r.Annotations["runbook_url"], "#")
			if base != runbookBase || !anchors[anchor] {
				t.Errorf("%s: runbook_url %q; want %s#<a heading of README.md>", r.Alert, r.Annotations["runbook_url"], runbookBase)
			}
		}
	}
}

// TestAlertsAgreeWithTheReadme: README.md's alert table has a row for every
// alert, and each duration an alert's summary states is in its row.
func TestAlertsAgreeWithTheReadme(t *testing.T) {
	_, groups := alertQueries(t)
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "\n### Alerts\n")
	section, _, _ = strings.Cut(section, "\n### ")
	rows := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(Leadworker\\w+)` \\| (.*)\\|$").FindAllStringSubmatch(section, -1) {
		rows[m[1]] = m[2]
	}
	minutes := regexp.MustCompile(`\b(\d+) minutes?\b`)
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			row, ok := rows[r.Alert]
			if !ok {
				t.Errorf("README.md's alert table has no row for %s", r.Alert)
				continue
			}
			for _, m := range minutes.FindAllStringSubmatch(r.Annotations["summary"], -1) {
				if !strings.Contains(row, m[0]) {
					t.Errorf("%s: the summary says %q, README.md's row does not: %s", r.Alert, m[0], row)
				}
			}
			delete(rows, r.Alert)
		}
	}
	for name := range rows {
		t.Errorf("README.md's alert table has %s, which alerts.yml does not", name)
	}
}

func exports(fams map[string]*dto.MetricFamily, name string) bool {
	if _, ok := fams[name]; ok {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			if f, ok := fams[base]; ok && f.GetType() == dto.MetricType_HISTOGRAM {
				return true
			}
		}
	}
	return false
}

// scrapeRunningWorker starts a worker, waits until it is ready and has
// reported lag for both topics, and returns its /metrics.
func scrapeRunningWorker(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	url, _ := startWorker(t, nil)
	var fams map[string]*dto.MetricFamily
	testkit.WaitFor(t, 30*time.Second, "the worker to be ready with lag for the input, route and bulk route topics", func() bool {
		fams = scrape(t, url)
		return ready(fams) && len(fams["leadworker_consumer_lag"].GetMetric()) == 6
	})
	return fams
}

// startWorker runs a worker (sandbox.Start, as leadworker run runs it),
// identity routing on, on the sandbox's embedded broker with every topic (two
// partitions each) and its fake myKaarma until the test ends; tweak may change
// its config once it points at them. It returns the URL of the worker's HTTP
// handler and the config.
func startWorker(t *testing.T, tweak func(*worker.Config)) (string, worker.Config) {
	t.Helper()
	cfg := sandbox.Config()
	cfg.HTTPAddr, cfg.AdminAddr = "127.0.0.1:0", ""
	cfg.Guards.LagInterval = 50 * time.Millisecond
	box, err := sandbox.New(&cfg, 2, cfg.InputTopics[0], cfg.ResultTopic, cfg.DLQTopic, cfg.RouteTopic)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(box.Close)
	if tweak != nil {
		tweak(&cfg)
	}
	run, err := sandbox.Start(cfg, sandbox.PipelineOptions{Serve: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(run.Worker.Handler())
	t.Cleanup(func() {
		srv.Close()
		if err := run.Stop(); err != nil {
			t.Errorf("worker run: %v", err)
		}
	})
	return srv.URL, cfg
}

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

func ready(fams map[string]*dto.MetricFamily) bool {
	for _, m := range fams["leadworker_ready"].GetMetric() {
		if m.GetLabel()[0].GetValue() == "ok" {
			return m.GetGauge().GetValue() == 1
		}
	}
	return false
}
