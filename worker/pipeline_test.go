package worker_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/sandbox"
	"github.com/leadworker/leadworker/worker"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// pipeline is a worker run by sandbox.Start on the embedded broker and the fake.
type pipeline struct {
	cfg     worker.Config
	fake    *mykaarmatest.Server
	w       *worker.Worker
	http    *httptest.Server
	outputs *sandbox.OutputReader
	hook    *test.Hook
}

// startPipeline runs a worker until the test ends; tweak adjusts its config.
func startPipeline(t *testing.T, tweak func(*worker.Config), opts ...worker.Option) *pipeline {
	t.Helper()
	cfg := sandbox.Config()
	cfg.RetryInitial, cfg.RetryMax, cfg.RetryMaxElapsed = 20*time.Millisecond, 100*time.Millisecond, 400*time.Millisecond
	cfg.Guards.ProbeMin, cfg.Guards.ProbeMax, cfg.Guards.LagInterval = 100*time.Millisecond, 300*time.Millisecond, 100*time.Millisecond
	cfg.HTTPAddr, cfg.AdminAddr = "127.0.0.1:0", "127.0.0.1:0"
	if tweak != nil {
		tweak(&cfg)
	}
	box, err := sandbox.New(&cfg, 2, cfg.InputTopics[0], cfg.ResultTopic, cfg.DLQTopic, cfg.RouteTopic)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(box.Close)
	log, hook := test.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	run, err := sandbox.Start(cfg, sandbox.PipelineOptions{Serve: true, Worker: append(opts, worker.WithLogger(log))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(run.Worker.Handler())
	outputs := sandbox.NewOutputReader(cfg)
	t.Cleanup(func() {
		outputs.Close()
		srv.Close()
		if err := run.Stop(); err != nil {
			t.Errorf("worker run: %v", err)
		}
	})
	return &pipeline{cfg: cfg, fake: box.Fake, w: run.Worker, http: srv, outputs: outputs, hook: hook}
}

// leadEvents returns n valid new-customer lead events with distinct customers.
func leadEvents(t *testing.T, prefix string, n int) []sandbox.Sample {
	t.Helper()
	b, err := os.ReadFile("../examples/01-new-customer-lead.json")
	if err != nil {
		t.Fatal(err)
	}
	var out []sandbox.Sample
	for i := range n {
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("%s-%03d", prefix, i)
		v["eventId"] = id
		lead := v["lead"].(map[string]any)
		lead["leadId"] = "LEAD-" + id
		c := lead["customer"].(map[string]any)
		c["lastName"] = "Nguyen" + strings.ReplaceAll(id, "-", "")
		c["phoneNumbers"].([]any)[0].(map[string]any)["phoneNumber"] = fmt.Sprintf("(415) 555-%04d", 2000+i+len(prefix)*100)
		c["emails"].([]any)[0].(map[string]any)["emailAddress"] = id + "@example.com"
		val, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sandbox.Sample{Name: id, Key: id, Value: val})
	}
	return out
}

// scrape returns /metrics as parsed metric families.
func (p *pipeline) scrape(t *testing.T) map[string][]metricSample {
	t.Helper()
	resp, err := http.Get(p.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]metricSample)
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			s := metricSample{labels: map[string]string{}}
			for _, l := range m.GetLabel() {
				s.labels[l.GetName()] = l.GetValue()
			}
			switch {
			case m.Counter != nil:
				s.value = m.GetCounter().GetValue()
			case m.Gauge != nil:
				s.value = m.GetGauge().GetValue()
			case m.Histogram != nil:
				s.value = float64(m.GetHistogram().GetSampleCount())
			}
			out[name] = append(out[name], s)
		}
	}
	return out
}

type metricSample struct {
	labels map[string]string
	value  float64
}

// sum adds the samples of name whose labels include want.
func sum(fams map[string][]metricSample, name string, want map[string]string) float64 {
	var total float64
next:
	for _, s := range fams[name] {
		for k, v := range want {
			if s.labels[k] != v {
				continue next
			}
		}
		total += s.value
	}
	return total
}

func (p *pipeline) readyz(t *testing.T) int {
	t.Helper()
	resp, err := http.Get(p.http.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (p *pipeline) logged(msg string) bool {
	for _, e := range p.hook.AllEntries() {
		if strings.Contains(e.Message, msg) {
			return true
		}
	}
	return false
}
