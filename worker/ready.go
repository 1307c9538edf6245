package worker

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Readiness reason codes: the value of leadworker_ready's reason label. The
// set is fixed, so the metric has exactly len(readyReasons) series, one of
// them 1; /readyz's JSON body carries the detail (which topic, which error).
const (
	readyOK               = "ok"
	readyTopicsMissing    = "topics_missing"
	readyTopicsInvalid    = "topics_invalid"
	readyNotJoined        = "not_joined"
	readyKafkaUnreachable = "kafka_unreachable"
	readyOutputFailing    = "output_failing"
	readyFetchPastEnd     = "fetch_past_end"
	readyPaused           = "paused"
)

// readyReasons lists every code in the order ready checks them.
var readyReasons = []string{readyOK, readyTopicsMissing, readyTopicsInvalid, readyNotJoined, readyKafkaUnreachable, readyOutputFailing, readyFetchPastEnd, readyPaused}

// readiness is the worker's ability to work: a reason code and the
// sentence /readyz answers with.
type readiness struct {
	code   string
	reason string
}

// ready reports whether the worker can do work, and if not, why. The first
// failing check wins. Paused departments leave it ready: only global
// reasons make it not ready.
func (w *Worker) ready() readiness {
	s := w.Stats()
	switch {
	case len(s.MissingTopics) > 0:
		return readiness{readyTopicsMissing, "topics missing: " + strings.Join(s.MissingTopics, ", ") + " (leadworker never creates topics: run leadworker topics create)"}
	case len(s.TopicProblems) > 0:
		return readiness{readyTopicsInvalid, strings.Join(s.TopicProblems, "; ")}
	case !w.joined():
		return readiness{readyNotJoined, "not a member of the consumer group (Kafka unreachable or rebalancing)"}
	case !w.guards.reachable():
		return readiness{readyKafkaUnreachable, "no Kafka broker answered the last probe"}
	case len(s.OutputFailing) > 0:
		f := s.OutputFailing[0]
		return readiness{readyOutputFailing, fmt.Sprintf("writing to %s partition %d failing since %s: %s",
			f.Topic, f.Partition, f.Since.UTC().Format(time.RFC3339), f.Error)}
	case len(s.PastEnd) > 0:
		p := s.PastEnd[0]
		if p.LogEnd < 0 {
			return readiness{readyFetchPastEnd, fmt.Sprintf("%s was deleted while partition %d was read at offset %d; once it exists as it should, reset the group's offsets and restart leadworker",
				p.Topic, p.Partition, p.Offset)}
		}
		return readiness{readyFetchPastEnd, fmt.Sprintf("fetch position %d of %s partition %d is past the end of its log (%d): the topic was deleted and created again, or offsets were set by hand; reset the group's offsets",
			p.Offset, p.Topic, p.Partition, p.LogEnd)}
	case len(w.guards.gate.Reasons()) > 0:
		return readiness{readyPaused, pauseReason(w.guards.gate.Reasons())}
	}
	if n := w.guards.depts.Len(); n > 0 {
		// Ready: the other departments work. /readyz lists the paused ones.
		return readiness{readyOK, fmt.Sprintf("ok; %d department(s) paused, the others work (see departments)", n)}
	}
	return readiness{readyOK, "ok"}
}

const readyHelp = "1 for the reason /readyz gives now (ok when ready; else topics_missing, topics_invalid, not_joined, kafka_unreachable, output_failing, fetch_past_end or paused), 0 for the others."

// readyCollector exports leadworker_ready{reason}: at each scrape it asks
// once and sets the series of the answer's code to 1, every other to 0.
type readyCollector struct {
	desc  *prometheus.Desc
	ready func() readiness
}

func newReadyCollector(ready func() readiness) *readyCollector {
	return &readyCollector{
		desc:  prometheus.NewDesc("leadworker_ready", readyHelp, []string{"reason"}, nil),
		ready: ready,
	}
}

// Describe implements prometheus.Collector.
func (c *readyCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *readyCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.ready().code
	for _, r := range readyReasons {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, bool01(r == now), r)
	}
}
