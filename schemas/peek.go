package schemas

import (
	"encoding/json"
	"regexp"
	"strings"
	"unicode/utf8"
)

// eventIDPattern finds an "eventId" string member in text that is not valid JSON.
var eventIDPattern = regexp.MustCompile(`"eventId"\s*:\s*"((?:[^"\\]|\\.)*)"`)

// PeekEventID returns, on a best-effort basis, the eventId of a record that may not be valid:
// the top-level "eventId" string of a JSON object, or else the first "eventId" string member
// found anywhere in the text. It returns "" when there is none. The result is valid UTF-8,
// at most 200 characters long (the schema's limit), and PeekEventID never panics. Use it to
// label a dead letter or a log line, never to process an event.
func PeekEventID(b []byte) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) == nil {
		var id string
		if raw, ok := obj["eventId"]; ok && json.Unmarshal(raw, &id) == nil {
			return clean(id)
		}
		return ""
	}
	m := eventIDPattern.FindSubmatch(b)
	if m == nil {
		return ""
	}
	var id string
	if json.Unmarshal([]byte(`"`+string(m[1])+`"`), &id) != nil {
		id = string(m[1])
	}
	return clean(id)
}

// clean makes s valid UTF-8 and at most 200 characters long.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= 200 {
		return s
	}
	return string([]rune(s)[:200])
}

// PeekEvent decodes b into an Event without validating it, for routing
// decisions that must not cost a second validation (the consumer's ordering
// key). Fields that do not decode are left empty. Use Decode to process an
// event.
func PeekEvent(b []byte) (*Event, error) {
	var ev Event
	if err := json.Unmarshal(b, &ev); err != nil {
		return nil, err
	}
	return &ev, nil
}
