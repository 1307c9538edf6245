package worker

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"john.doe@example.com", "jo***@example.com"},
		{"call 989-136-1006 now", "call ***1006 now"},
		{"+19891361006", "***1006"},
		{"(415) 555-0142", "***0142"},
		{"offset 12345", "offset 12345"},
		{"uuid 7d3f0a52-5c1e-4f7a-9a1b-2e8c4d6f0a11", "uuid 7d3f0a52-5c1e-4f7a-9a1b-2e8c4d6f0a11"},
		{"a@b.co and 9891361006", "a***@b.co and ***1006"},
	}
	for _, tt := range tests {
		if got := mask(tt.in); got != tt.want {
			t.Errorf("mask(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestLoggerMasksPersonalData(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger("info", "json", &buf)
	log.WithField("email", "Jane.Roe@example.com").WithError(errors.New("search 3125550199 failed")).Info("customer jane.roe@example.com")
	out := buf.String()
	for _, leak := range []string{"Jane.Roe@", "jane.roe@", "3125550199"} {
		if strings.Contains(out, leak) {
			t.Errorf("log line %q leaks %q", out, leak)
		}
	}
}
