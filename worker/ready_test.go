package worker

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestReadyMetricHasOneSeriesAtOne: whatever /readyz says, leadworker_ready
// has one series per reason code and exactly the current one is 1, so
// `leadworker_ready{reason="ok"} == 0` is "not ready" and the series set
// never grows.
func TestReadyMetricHasOneSeriesAtOne(t *testing.T) {
	t.Parallel()
	for _, code := range readyReasons {
		t.Run(code, func(t *testing.T) {
			c := newReadyCollector(func() readiness { return readiness{code: code, reason: "detail"} })
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(c)
			if n := testutil.CollectAndCount(c); n != len(readyReasons) {
				t.Errorf("leadworker_ready series = %d; want %d", n, len(readyReasons))
			}
			var want strings.Builder
			want.WriteString("# HELP leadworker_ready " + readyHelp + "\n# TYPE leadworker_ready gauge\n")
			for _, r := range readyReasons {
				v := "0"
				if r == code {
					v = "1"
				}
				want.WriteString(`leadworker_ready{reason="` + r + `"} ` + v + "\n")
			}
			if err := testutil.GatherAndCompare(reg, strings.NewReader(want.String()), "leadworker_ready"); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestReadyMetricFollowsTheWorker: on a worker that has not joined its
// groups, the metric and /readyz agree.
func TestReadyMetricFollowsTheWorker(t *testing.T) {
	t.Parallel()
	w := newTestWorker(t, "")
	if got := w.ready().code; got != readyNotJoined {
		t.Fatalf("ready().code = %q; want %q", got, readyNotJoined)
	}
	mfs, err := w.guards.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	ones := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "leadworker_ready" {
			continue
		}
		for _, m := range mf.GetMetric() {
			ones[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
	}
	if len(ones) != len(readyReasons) || ones[readyNotJoined] != 1 || ones[readyOK] != 0 {
		t.Errorf("leadworker_ready = %v; want every reason, not_joined at 1", ones)
	}
}
