package schemas

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestValidationErrorError(t *testing.T) {
	t.Parallel()
	many := make([]Problem, 100)
	for i := range many {
		many[i] = Problem{Path: fmt.Sprintf("/lead/services/%d/code", i), Message: "missing property"}
	}
	tests := []struct {
		name     string
		problems []Problem
		want     string
	}{
		{"one", []Problem{{Path: "/lead/leadType", Message: "missing property"}}, "/lead/leadType: missing property"},
		{"root", []Problem{{Message: "empty input"}}, "empty input"},
		{"sorted, numeric indexes, deduplicated", []Problem{
			{Path: "/lead/services/10/code", Message: "b"},
			{Path: "/lead/status", Message: "a"},
			{Path: "/lead/services/2/code", Message: "b"},
			{Path: "/lead/services/2/code", Message: "a"},
			{Path: "/lead/status", Message: "a"},
		}, "/lead/services/2/code: a; /lead/services/2/code: b; /lead/services/10/code: b; /lead/status: a"},
		{"capped", many, strings.Join(func() []string {
			var s []string
			for i := range 24 {
				s = append(s, fmt.Sprintf("/lead/services/%d/code: missing property", i))
			}
			return s
		}(), "; ") + "; (+76 more)"},
		{"huge single problem", []Problem{{Path: "/x", Message: strings.Repeat("é", 1000)}},
			"/x: " + strings.Repeat("é", 508) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := newValidationError(tt.problems...)
			got := err.Error()
			if got != tt.want {
				t.Errorf("Error() =\n%s\nwant\n%s", got, tt.want)
			}
			if len(got) > maxErrorLen {
				t.Errorf("len(Error()) = %d; want at most %d", len(got), maxErrorLen)
			}
			if !errors.Is(fmt.Errorf("decode: %w", err), ErrInvalid) {
				t.Error("wrapped ValidationError does not match ErrInvalid")
			}
		})
	}
}
