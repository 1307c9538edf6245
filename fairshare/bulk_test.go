package fairshare

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestBulkRule: a department goes to the bulk route once its events in the
// window pass the threshold and the share, and comes back once the window
// has moved past them.
func TestBulkRule(t *testing.T) {
	t.Parallel()
	rule := BulkRule{Threshold: 10, Window: time.Minute, Share: 0.25}
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	type burst struct {
		at    time.Duration // since t0
		dept  string
		n     int
		wantN int    // how many of the n go to the bulk route
		key   string // the routing key of all n; "": each its own
	}
	tests := []struct {
		name   string
		rule   BulkRule
		bursts []burst
	}{
		{"below the threshold", rule, []burst{{0, "A", 10, 0, ""}}},
		{"past the threshold", rule, []burst{{0, "A", 15, 5, ""}}},
		{"past the threshold but not the share", rule, []burst{
			{0, "B", 60, 50, ""}, {time.Second, "A", 15, 0, ""},
		}},
		{"two floods share the bulk route", rule, []burst{
			{0, "A", 20, 10, ""}, {time.Second, "B", 20, 10, ""},
		}},
		{"back to live once the window moved on", rule, []burst{
			{0, "A", 20, 10, ""}, {30 * time.Second, "A", 1, 1, ""}, {61 * time.Second, "A", 5, 0, ""},
		}},
		{"a window's count falls a twelfth at a time", rule, []burst{
			{0, "A", 8, 0, ""}, {30 * time.Second, "A", 8, 6, ""}, {65 * time.Second, "A", 3, 1, ""},
		}},
		{"threshold 0: off", BulkRule{Window: time.Minute, Share: 0.25}, []burst{{0, "A", 1000, 0, ""}}},
		{"an identity stays live when its department turns bulk", rule, []burst{
			{0, "A", 1, 0, "X"}, {0, "A", 10, 1, ""}, {time.Second, "A", 2, 0, "X"}, {time.Second, "A", 1, 1, "Y"},
		}},
		{"an identity stays bulk when its department stops being bulk", rule, []burst{
			{0, "A", 14, 4, ""}, {0, "A", 1, 1, "Y"}, {50 * time.Second, "A", 1, 1, "Y"},
			{65 * time.Second, "A", 1, 0, ""}, {65 * time.Second, "A", 1, 1, "Y"},
			{126 * time.Second, "A", 1, 0, "Y"}, // Y idle for a window: it follows its department again
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := NewBulk(tt.rule)
			unique := 0
			for i, bu := range tt.bursts {
				got := 0
				for range bu.n {
					key := bu.key
					if key == "" {
						unique++
						key = fmt.Sprint("k", unique)
					}
					if b.Route(bu.dept, key, t0.Add(bu.at)) {
						got++
					}
				}
				if got != bu.wantN {
					t.Errorf("burst %d (%d of %s at %v): %d to the bulk route; want %d", i, bu.n, bu.dept, bu.at, got, bu.wantN)
				}
			}
		})
	}
}

func TestBulkDepartments(t *testing.T) {
	t.Parallel()
	b := NewBulk(BulkRule{Threshold: 2, Window: time.Minute, Share: 0.5})
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for range 5 {
		b.Route("A", "", t0)
	}
	b.Route("B", "", t0)
	if got := b.Departments(t0); !slices.Equal(got, []string{"A"}) {
		t.Errorf("departments() = %v; want [A]", got)
	}
	if got := b.Departments(t0.Add(2 * time.Minute)); len(got) != 0 {
		t.Errorf("departments() two windows later = %v; want none", got)
	}
	if len(b.depts) != 0 {
		t.Errorf("%d departments still counted after the window moved past them", len(b.depts))
	}
}
