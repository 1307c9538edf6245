package deploy_test

import (
	"os"
	"os/exec"
	"testing"

	"sigs.k8s.io/yaml"
)

// promtool returns promtool's path, or skips the test when it is missing,
// unless LEADWORKER_REQUIRE_PROMTOOL=1 (CI) makes that a failure.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err == nil {
		return p
	}
	if os.Getenv("LEADWORKER_REQUIRE_PROMTOOL") == "1" {
		t.Fatal("promtool not found and LEADWORKER_REQUIRE_PROMTOOL=1 (apt-get install prometheus)")
	}
	t.Skip("promtool not installed (apt-get install prometheus); LEADWORKER_REQUIRE_PROMTOOL=1 makes this a failure")
	return ""
}

// TestPromtool: the rules load, and their unit tests pass.
func TestPromtool(t *testing.T) {
	bin := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", "prometheus/alerts.yml"},
		{"test", "rules", "prometheus/alerts_test.yml"},
	} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}

// TestEveryAlertFiresAndStaysSilent: alerts_test.yml has, for every alert in
// alerts.yml, a case where it fires and one where it does not.
func TestEveryAlertFiresAndStaysSilent(t *testing.T) {
	_, groups := alertQueries(t)
	b, err := os.ReadFile("prometheus/alerts_test.yml")
	if err != nil {
		t.Fatal(err)
	}
	var tests struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string           `json:"alertname"`
				ExpAlerts []map[string]any `json:"exp_alerts"`
			} `json:"alert_rule_test"`
		} `json:"tests"`
	}
	if err := yaml.Unmarshal(b, &tests); err != nil {
		t.Fatal(err)
	}
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				silent[a.Alertname] = true
			}
		}
	}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" && (!fires[r.Alert] || !silent[r.Alert]) {
				t.Errorf("alerts_test.yml: %s fires in a test: %v, stays silent in one: %v; want both", r.Alert, fires[r.Alert], silent[r.Alert])
			}
		}
	}
}
