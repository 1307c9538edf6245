package schemas

import (
	"strings"
	"testing"
)

func TestPeekEventID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"valid", `{"eventId":"lead-1","eventType":"lead"}`, "lead-1"},
		{"top level wins over nested", `{"lead":{"eventId":"inner"},"eventId":"outer"}`, "outer"},
		{"nested only, valid JSON", `{"lead":{"eventId":"inner"}}`, ""},
		{"duplicate key: last wins", `{"eventId":"a","eventId":"b"}`, "b"},
		{"not a string", `{"eventId":42}`, ""},
		{"escapes", `{"eventId":"a\"b\u00e9\/c"}`, `a"bé/c`},
		{"truncated JSON", `{"eventType":"lead","eventId" : "lead-7", "lead": {`, "lead-7"},
		{"trailing data", `{"eventId":"lead-8"} garbage`, "lead-8"},
		{"bad escape in broken JSON", `{"eventId":"a\qb",`, `a\qb`},
		{"not UTF-8", "{\"eventId\":\"lead-\xff\",", "lead-\uFFFD"},
		{"capped", `{"eventId":"` + strings.Repeat("é", 300) + `"}`, strings.Repeat("é", 200)},
		{"empty", ``, ""},
		{"array", `["eventId"]`, ""},
		{"garbage", "\x00\x01eventId", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := PeekEventID([]byte(tt.in)); got != tt.want {
				t.Errorf("PeekEventID(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}
