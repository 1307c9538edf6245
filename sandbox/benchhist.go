package sandbox

import (
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// histogram is a Prometheus histogram as scraped: cumulative counts by
// upper bound, the last bound +Inf.
type histogram struct {
	bounds []float64 // seconds, ascending, last +Inf
	counts []float64 // cumulative
}

// count is the observations in h.
func (h histogram) count() float64 {
	if len(h.counts) == 0 {
		return 0
	}
	return h.counts[len(h.counts)-1]
}

// minus is h without the observations of before (h scraped later from the
// same series).
func (h histogram) minus(before histogram) histogram {
	d := histogram{bounds: h.bounds, counts: slices.Clone(h.counts)}
	for i, b := range h.bounds {
		if j := slices.Index(before.bounds, b); j >= 0 {
			d.counts[i] -= before.counts[j]
		}
	}
	return d
}

// quantile is the q-quantile of h as PromQL's histogram_quantile computes
// it: linear within the bucket holding it; in the +Inf bucket, the highest
// finite bound. ok is false when h is empty.
func (h histogram) quantile(q float64) (d time.Duration, ok bool) {
	if h.count() == 0 {
		return 0, false
	}
	rank := q * h.count()
	lower, below := 0.0, 0.0
	for i, upper := range h.bounds {
		c := h.counts[i]
		if c >= rank && c > below {
			if math.IsInf(upper, 1) {
				return seconds(lower), true
			}
			return seconds(lower + (upper-lower)*(rank-below)/(c-below)), true
		}
		lower, below = upper, c
	}
	return seconds(lower), true
}

// bucketOf is the bucket that holds the q-quantile of h: its bounds, in
// seconds (lower exclusive, upper inclusive, upper +Inf for the last).
func (h histogram) bucketOf(q float64) (lower, upper float64, ok bool) {
	if h.count() == 0 {
		return 0, 0, false
	}
	rank := q * h.count()
	for i, upper := range h.bounds {
		if c := h.counts[i]; c >= rank && (i == 0 || c > h.counts[i-1]) {
			return lower, upper, true
		}
		lower = upper
	}
	return lower, math.Inf(1), true
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// scrapeHistogram sums over hs the series of the histogram name whose
// labels include labels, from what each serves on /metrics.
func scrapeHistogram(hs []http.Handler, name string, labels map[string]string) histogram {
	var sum histogram
	for _, h := range hs {
		parser := expfmt.NewTextParser(model.UTF8Validation)
		fams, _ := parser.TextToMetricFamilies(metricsText(h))
		for _, m := range fams[name].GetMetric() {
			hist := m.GetHistogram()
			if hist == nil || !hasLabels(m.GetLabel(), labels) {
				continue
			}
			if sum.bounds == nil {
				for _, b := range hist.GetBucket() {
					sum.bounds = append(sum.bounds, b.GetUpperBound())
				}
				sum.bounds = append(sum.bounds, math.Inf(1))
				sum.counts = make([]float64, len(sum.bounds))
			}
			for i, b := range hist.GetBucket() {
				if i < len(sum.counts)-1 {
					sum.counts[i] += float64(b.GetCumulativeCount())
				}
			}
			sum.counts[len(sum.counts)-1] += float64(hist.GetSampleCount())
		}
	}
	return sum
}

// scrapeGauge sums over hs the series of the gauge name whose labels
// include labels.
func scrapeGauge(hs []http.Handler, name string, labels map[string]string) float64 {
	var sum float64
	for _, h := range hs {
		parser := expfmt.NewTextParser(model.UTF8Validation)
		fams, _ := parser.TextToMetricFamilies(metricsText(h))
		for _, m := range fams[name].GetMetric() {
			if hasLabels(m.GetLabel(), labels) {
				sum += m.GetGauge().GetValue()
			}
		}
	}
	return sum
}

// metricsText is what h serves on /metrics.
func metricsText(h http.Handler) io.Reader {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body
}

// hasLabels reports whether pairs hold every label of want.
func hasLabels[L interface {
	GetName() string
	GetValue() string
}](pairs []L, want map[string]string) bool {
	found := 0
	for _, p := range pairs {
		if v, ok := want[p.GetName()]; ok && v == p.GetValue() {
			found++
		}
	}
	return found == len(want)
}
