package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
)

// metricSum sums every series of the metric name that the worker's
// Handler serves on /metrics (its counters and gauges carry no
// per-department label, so a sum over the series is the figure an operator
// reads).
func metricSum(h http.Handler, name string) float64 {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	var sum float64
	for line := range strings.SplitSeq(rec.Body.String(), "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		v, err := strconv.ParseFloat(rest[strings.LastIndexByte(rest, ' ')+1:], 64)
		if err == nil {
			sum += v
		}
	}
	return sum
}

// readyStatus is the status /readyz answers on h, and how many departments
// its body lists as paused.
func readyStatus(h http.Handler) (status int, paused int) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var body struct {
		Paused int `json:"pausedDepartments"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	return rec.Code, body.Paused
}

// probeDepartment does what `leadworker admin resume --department` does:
// the department's next event goes through as its probe now. It reports
// whether the worker had the department paused.
func probeDepartment(admin http.Handler, dept string) bool {
	rec := httptest.NewRecorder()
	admin.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/admin/resume?department="+dept, nil))
	return rec.Code == http.StatusOK
}
