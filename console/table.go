package console

import (
	"encoding/json"
	"fmt"
	"github.com/leadworker/leadworker/deadletter"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/leadworker/leadworker/schemas"
)

// Table prints outputs one row each, results and dead letters alike, as
// they come: the header goes before the first row, and each column is as
// wide as its widest value so far, so that a batch printed at once lines up
// and later rows line up with it unless they hold a longer value.
type Table struct {
	w      io.Writer
	first  string                // the first column's title
	name   func(o Output) string // the first column
	time   bool                  // a TIME column (record time, UTC) first
	widths []int
	headed bool
}

// TableOptions configure a Table.
type TableOptions struct {
	// First titles the first column and Name fills it; the defaults are
	// EVENT and the event's id (the result's eventId, the dead letter's
	// event.id header, else its key).
	First string
	Name  func(o Output) string
	// Time adds the record's time (UTC) as the first column.
	Time bool
}

// minWidths are the columns' starting widths, wide enough for the usual
// values (lastName+contact, UNPROCESSED, a UUID), so that rows printed one
// by one as they arrive line up.
var minWidths = []int{24, 8, 11, 8, 16, 8, 36}

// NewTable returns a Table writing to w.
func NewTable(w io.Writer, o TableOptions) *Table {
	t := &Table{w: w, first: o.First, name: o.Name, time: o.Time, widths: slices.Clone(minWidths)}
	if o.Time {
		t.widths = append([]int{12}, t.widths...)
	}
	if t.first == "" {
		t.first = "EVENT"
	}
	if t.name == nil {
		t.name = EventID
	}
	return t
}

// EventID is the event an output answers: the result's eventId, the dead
// letter's event.id header, else the record's key, else "-".
func EventID(o Output) string {
	if o.DeadLetter {
		if id := header(o, deadletter.HeaderEventID); id != "" {
			return id
		}
	} else {
		var r struct {
			EventID string `json:"eventId"`
		}
		if json.Unmarshal(o.Value, &r) == nil && r.EventID != "" {
			return r.EventID
		}
	}
	if len(o.Key) > 0 {
		return string(o.Key)
	}
	return "-"
}

// Write prints outs as rows.
func (t *Table) Write(outs ...Output) {
	rows := make([][]string, 0, len(outs)+1)
	if !t.headed {
		rows = append(rows, t.header())
	}
	for _, o := range outs {
		rows = append(rows, t.row(o))
	}
	for _, r := range rows {
		for i, cell := range r {
			if i == len(t.widths) {
				t.widths = append(t.widths, 0)
			}
			t.widths[i] = max(t.widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, cell := range r {
			if i == len(r)-1 {
				b.WriteString(cell)
				break
			}
			b.WriteString(cell)
			b.WriteString(strings.Repeat(" ", t.widths[i]-utf8.RuneCountInString(cell)+2))
		}
		fmt.Fprintln(t.w, strings.TrimRight(b.String(), " "))
	}
	t.headed = true
}

func (t *Table) header() []string {
	h := []string{t.first, "TYPE", "OUTCOME", "CUSTOMER", "RULE", "ATTEMPTS", "CUSTOMER UUID", "WARNINGS / ERROR"}
	if t.time {
		h = append([]string{"TIME"}, h...)
	}
	return h
}

// row is one output's cells: a result's verdict, or a dead letter's class
// and message.
func (t *Table) row(o Output) []string {
	var cells []string
	if o.DeadLetter {
		cells = []string{t.name(o), eventType(o.Value), "DEAD_LETTER", "-", "-", header(o, deadletter.HeaderAttempts), "-",
			header(o, deadletter.HeaderErrorClass) + ": " + header(o, deadletter.HeaderErrorMessage)}
	} else {
		var r schemas.Result
		if err := json.Unmarshal(o.Value, &r); err != nil {
			cells = []string{t.name(o), "?", "?", "", "", "", "", "not a result record: " + err.Error()}
		} else {
			var codes []string
			for _, w := range r.Warnings {
				if !slices.Contains(codes, w.Code) {
					codes = append(codes, w.Code) // one code from two sources (customer, lead) shows once
				}
			}
			cells = []string{t.name(o), r.EventType, r.Outcome, r.CustomerAction, r.MatchRule, fmt.Sprint(r.Attempts),
				r.CustomerUUID, strings.Join(codes, ",")}
		}
	}
	for i, c := range cells {
		if c == "" {
			cells[i] = "-"
		}
	}
	if t.time {
		cells = append([]string{o.Time.UTC().Format("15:04:05.000")}, cells...)
	}
	return cells
}

// PrintHeaders prints a dead letter's headers, indented under its name.
func PrintHeaders(w io.Writer, name string, o Output) {
	fmt.Fprintf(w, "  %s\n", name)
	for _, h := range o.Headers {
		fmt.Fprintf(w, "      %-17s %s\n", h.Key, h.Value)
	}
}

// eventType is the eventType of a dead letter's value, or "-" when it has
// none (not JSON, say).
func eventType(value []byte) string {
	var v struct {
		EventType string `json:"eventType"`
	}
	if json.Unmarshal(value, &v) != nil || v.EventType == "" {
		return "-"
	}
	return v.EventType
}

// header is the last value of a header of o, or "".
func header(o Output, key string) string {
	for i := len(o.Headers) - 1; i >= 0; i-- {
		if o.Headers[i].Key == key {
			return string(o.Headers[i].Value)
		}
	}
	return ""
}
