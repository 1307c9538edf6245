package deadletter

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/consumer"
)

func headers(hs []consumer.Header) map[string][]string {
	out := map[string][]string{}
	for _, h := range hs {
		out[h.Key] = append(out[h.Key], string(h.Value))
	}
	return out
}

func TestDeadLetterHeaders(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	l := &Letter{Class: ClassRejected, Message: "myKaarma refused it", EventID: "e-1", Attempts: 2,
		Step: "create", HTTPStatus: 400, HTTPBody: []byte(strings.Repeat("b", 3000))}
	d := l.DeadLetter(at)
	h := headers(d.Headers)
	want := map[string]string{
		HeaderErrorClass: "rejected", HeaderErrorMessage: "myKaarma refused it", HeaderEventID: "e-1",
		HeaderErrorStep: "create", HeaderHTTPStatus: "400", HeaderAttempts: "2", HeaderFailedAt: "2026-12-04T12:00:00Z",
	}
	for k, v := range want {
		if got := h[k]; len(got) != 1 || got[0] != v {
			t.Errorf("header %s = %q; want exactly [%q]", k, got, v)
		}
	}
	if b := h[HeaderHTTPBody]; len(b) != 1 || len(b[0]) != maxHeaderBody {
		t.Errorf("http.body = %d headers; want one of %d bytes", len(b), maxHeaderBody)
	}
	for _, k := range []string{HeaderErrorClass, HeaderSourceTopic, HeaderSourceSHA256, HeaderCauseClass} {
		if !d.Own(k) {
			t.Errorf("Own(%q) = false; want a replayed dead letter's %s replaced", k, k)
		}
	}
	if d.Own(HeaderReplayCount) || d.Own("traceparent") {
		t.Error("Own claims replay.count or traceparent; want them carried over")
	}

	ref := headers(d.Reference(5_000_000, errors.New("message too large")))
	for k, v := range map[string]string{HeaderErrorClass: ClassUnwritable, HeaderCauseClass: ClassRejected, HeaderSourceSize: "5000000", HeaderEventID: "e-1"} {
		if got := ref[k]; len(got) != 1 || got[0] != v {
			t.Errorf("reference header %s = %q; want exactly [%q]", k, got, v)
		}
	}
	if m := ref[HeaderErrorMessage][0]; !strings.Contains(m, "message too large") || !strings.Contains(m, "myKaarma refused it") {
		t.Errorf("reference error.message = %q; want the refusal and the original reason", m)
	}
}

func TestLongMessageCutOnARuneBoundary(t *testing.T) {
	t.Parallel()
	l := &Letter{Class: ClassInvalid, Message: strings.Repeat("é", maxHeaderMessage), Attempts: 1}
	m := headers(l.DeadLetter(time.Now()).Headers)[HeaderErrorMessage][0]
	if len(m) > maxHeaderMessage || !strings.HasPrefix(strings.Repeat("é", maxHeaderMessage), m) {
		t.Errorf("error.message is %d bytes; want at most %d, cut between runes", len(m), maxHeaderMessage)
	}
}
