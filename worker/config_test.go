package worker

import (
	"slices"
	"testing"

	"github.com/leadworker/leadworker/fairshare"
)

func TestDefaultPriorityRules(t *testing.T) {
	rules, err := fairshare.ParsePriorityRules(fairshare.DefaultPriorityRules)
	if err != nil {
		t.Fatalf("ParsePriorityRules(%q) = %v", fairshare.DefaultPriorityRules, err)
	}
	if got := DefaultConfig().PriorityRules; !slices.Equal(got, rules) {
		t.Errorf("DefaultConfig().PriorityRules = %v; want %v", got, rules)
	}
}
