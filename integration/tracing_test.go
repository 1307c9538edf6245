package integration

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/twmb/franz-go/pkg/kgo"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpCollector is an OTLP/HTTP (protobuf) trace receiver on loopback: what
// OTEL_EXPORTER_OTLP_ENDPOINT points the worker at.
type otlpCollector struct {
	srv *httptest.Server

	mu    sync.Mutex
	spans []otlpSpan
	bad   []string // requests it could not decode
}

// otlpSpan is what the test reads of an exported span.
type otlpSpan struct {
	Service, Name, TraceID, SpanID, ParentID string
	Attrs                                    map[string]string
}

func newOTLPCollector(t *testing.T) *otlpCollector {
	t.Helper()
	c := &otlpCollector{}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *otlpCollector) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err == nil && r.Header.Get("Content-Encoding") == "gzip" {
		var zr *gzip.Reader
		if zr, err = gzip.NewReader(bytes.NewReader(body)); err == nil {
			body, err = io.ReadAll(zr)
		}
	}
	var req collectortrace.ExportTraceServiceRequest
	if err == nil && (r.Method != http.MethodPost || r.URL.Path != "/v1/traces") {
		err = fmt.Errorf("%s %s", r.Method, r.URL.Path)
	}
	if err == nil {
		err = proto.Unmarshal(body, &req)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.bad = append(c.bad, err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for _, rs := range req.GetResourceSpans() {
		service := ""
		for _, a := range rs.GetResource().GetAttributes() {
			if a.GetKey() == "service.name" {
				service = a.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				sp := otlpSpan{Service: service, Name: s.GetName(), TraceID: hex.EncodeToString(s.GetTraceId()),
					SpanID: hex.EncodeToString(s.GetSpanId()), ParentID: hex.EncodeToString(s.GetParentSpanId()), Attrs: map[string]string{}}
				for _, a := range s.GetAttributes() {
					v := a.GetValue()
					switch {
					case v.GetStringValue() != "":
						sp.Attrs[a.GetKey()] = v.GetStringValue()
					default:
						sp.Attrs[a.GetKey()] = fmt.Sprint(v.GetIntValue())
					}
				}
				c.spans = append(c.spans, sp)
			}
		}
	}
	out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// trace returns the spans received in traceID.
func (c *otlpCollector) trace(traceID string) []otlpSpan {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []otlpSpan
	for _, s := range c.spans {
		if s.TraceID == traceID {
			out = append(out, s)
		}
	}
	return out
}

// TestTracingExportsOverOTLP runs the binary with OTEL_EXPORTER_OTLP_ENDPOINT
// set and finds, at an OTLP/HTTP receiver, the spans of a record that
// arrived with a producer's traceparent, in the producer's trace; the result
// and the dead letter carry that trace too.
func TestTracingExportsOverOTLP(t *testing.T) {
	const (
		producerTrace = "0af7651916cd43dd8448eb211c80319c"
		producerSpan  = "b7ad6b7169203331"
		traceparent   = "00-" + producerTrace + "-" + producerSpan + "-01"
		invalidTrace  = "1bf7651916cd43dd8448eb211c80319c"
	)
	b := newBroker(t)
	tp := newTopics(t, b, 1)
	fake := mykaarmatest.NewServer(t, mykaarmatest.Options{})
	otlp := newOTLPCollector(t)
	out := collectRaw(t, b, tp.Result, tp.DLQ)

	wl := newWorkload(t, tp, 3)
	recs := toRecords(wl.Events, 0)
	lead := -1 // the first lead event carries the producer's trace
	for i, e := range wl.Events {
		if lead < 0 && bytes.Contains(e.Value, []byte(`"eventType":"lead"`)) {
			lead = i
		}
	}
	if lead < 0 {
		t.Fatal("the workload has no lead event")
	}
	recs[lead].Headers = []kgo.RecordHeader{{Key: "traceparent", Value: []byte(traceparent)}, {Key: "baggage", Value: []byte("tenant=acme")}}
	recs = append(recs, &kgo.Record{Key: []byte("not-json"), Value: []byte("not json"),
		Headers: []kgo.RecordHeader{{Key: "traceparent", Value: []byte("00-" + invalidTrace + "-" + producerSpan + "-01")}}})
	w := startWorker(t, "worker", workerEnv(b, tp, fake, map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.srv.URL,
		"OTEL_SERVICE_NAME":           "leadworker-it",
		"OTEL_BSP_SCHEDULE_DELAY":     "100", // ms: export soon after the spans end
	}))
	produceRecords(t, b, withTopic(recs, tp.Input))

	results := out.wait(t, tp.Result, 60*time.Second, w, resultsFor(IDs(wl.Events)))
	dlq := out.wait(t, tp.DLQ, 60*time.Second, w, atLeast(1))

	// The traced event's result, and the dead letter, carry their trace once.
	traced := wl.Events[lead].ID
	for id, r := range decodeResultRecords(t, results) {
		tps := headerValues(r, "traceparent")
		if id == traced && (len(tps) != 1 || !strings.Contains(tps[0], producerTrace)) {
			t.Errorf("result of %s traceparents = %q; want one in trace %s", id, tps, producerTrace)
		}
	}
	if tps := headerValues(dlq[0], "traceparent"); len(tps) != 1 || !strings.Contains(tps[0], invalidTrace) || tps[0] == "00-"+invalidTrace+"-"+producerSpan+"-01" {
		t.Errorf("dead letter traceparents = %q; want exactly one, leadworker's span in trace %s", tps, invalidTrace)
	}

	// The receiver gets the spans of the traced event, in the producer's trace.
	want := []string{"route " + tp.Input, "create " + tp.Route, "process " + tp.Input, "decode", "search customer", "myKaarma search", "save lead", "myKaarma lead"}
	var spans []otlpSpan
	err := testkit.Until(t, 30*time.Second, func() error {
		if w.exited() {
			return testkit.Stop(fmt.Errorf("worker exited: %s", w.exitStatus()))
		}
		spans = otlp.trace(producerTrace)
		have := map[string]bool{}
		for _, s := range spans {
			have[s.Name] = true
		}
		var missing []string
		for _, n := range want {
			if !have[n] {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("spans of trace %s lack %q (have %d)", producerTrace, missing, len(spans))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(otlp.trace(invalidTrace)) == 0 {
		t.Errorf("no span of the invalid record's trace %s", invalidTrace)
	}
	var names []string
	for _, s := range spans {
		names = append(names, s.Name)
		if s.Service != "leadworker-it" {
			t.Errorf("span %q service.name = %q; want leadworker-it (OTEL_SERVICE_NAME)", s.Name, s.Service)
		}
		if s.Name == "route "+tp.Input && s.ParentID != producerSpan {
			t.Errorf("route span's parent = %s; want the producer's span %s", s.ParentID, producerSpan)
		}
		if s.Name == "process "+tp.Input && (s.Attrs["leadworker.event.id"] != traced || s.Attrs["messaging.system"] != "kafka" ||
			s.Attrs["messaging.consumer.group.name"] != tp.Group+".route") {
			t.Errorf("process span attributes = %v; want event %s, kafka, group %s.route", s.Attrs, traced, tp.Group)
		}
		if u, ok := s.Attrs["url.full"]; ok && strings.Contains(u, "?") {
			t.Errorf("span %q url.full = %q; want no query string", s.Name, u)
		}
	}
	otlp.mu.Lock()
	bad := otlp.bad
	otlp.mu.Unlock()
	if len(bad) > 0 {
		t.Errorf("the receiver could not decode %d export requests: %q", len(bad), bad)
	}
	sort.Strings(names)
	t.Logf("trace %s: %d spans at the OTLP receiver: %s", producerTrace, len(spans), strings.Join(names, ", "))
	w.terminate(t, 30*time.Second)
}

// decodeResultRecords maps result records by eventId.
func decodeResultRecords(t *testing.T, rs []*kgo.Record) map[string]*kgo.Record {
	t.Helper()
	out := map[string]*kgo.Record{}
	for _, r := range rs {
		for id := range decodeResults(t, []*kgo.Record{r}) {
			out[id] = r
		}
	}
	return out
}

// headerValues returns the values of every header of r named name.
func headerValues(r *kgo.Record, name string) []string {
	var out []string
	for _, h := range r.Headers {
		if h.Key == name {
			out = append(out, string(h.Value))
		}
	}
	return out
}
