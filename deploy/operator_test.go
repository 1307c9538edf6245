package deploy_test

import (
	"bytes"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
)

// update rewrites generated files from their sources: go test -run
// TestPrometheusRuleIsAlertsYml -update.
var update = flag.Bool("update", false, "rewrite kubernetes-prometheus-operator/prometheusrule.yaml from prometheus/alerts.yml")

const (
	alertsFile         = "prometheus/alerts.yml"
	prometheusRuleFile = "kubernetes-prometheus-operator/prometheusrule.yaml"
)

// prometheusRuleHeader is prometheusrule.yaml before alerts.yml's groups.
const prometheusRuleHeader = `# Generated from deploy/prometheus/alerts.yml: edit that file, then run
#   cd deploy && go test -run TestPrometheusRuleIsAlertsYml -update
# (deploy's tests fail while the two differ). The rules, their comments and
# their promtool tests live there.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: leadworker
  labels:
    app.kubernetes.io/name: leadworker
spec:
`

// prometheusRuleFrom is alerts.yml's groups (with their comments) as a
// PrometheusRule's spec.
func prometheusRuleFrom(alerts []byte) ([]byte, error) {
	_, groups, ok := bytes.Cut(alerts, []byte("\ngroups:\n"))
	if !ok {
		return nil, os.ErrNotExist
	}
	var b bytes.Buffer
	b.WriteString(prometheusRuleHeader)
	b.WriteString("  groups:\n")
	for _, line := range strings.SplitAfter(string(groups), "\n") {
		if strings.TrimSpace(line) != "" {
			b.WriteString("  ")
		}
		b.WriteString(line)
	}
	return b.Bytes(), nil
}

// TestPrometheusRuleIsAlertsYml: the PrometheusRule, decoded strictly into
// the Prometheus Operator's own types, holds exactly the groups of the
// alerts.yml that promtool checks and tests.
func TestPrometheusRuleIsAlertsYml(t *testing.T) {
	alerts, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		b, err := prometheusRuleFrom(alerts)
		if err != nil {
			t.Fatalf("%s has no top-level groups:", alertsFile)
		}
		if err := os.WriteFile(prometheusRuleFile, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var file struct {
		Groups []monitoringv1.RuleGroup `json:"groups"`
	}
	decodeStrict(t, alertsFile, alerts, &file)
	b, err := os.ReadFile(prometheusRuleFile)
	if err != nil {
		t.Fatal(err)
	}
	var rule monitoringv1.PrometheusRule
	decodeStrict(t, prometheusRuleFile, b, &rule)
	if rule.Kind != monitoringv1.PrometheusRuleKind || rule.APIVersion != "monitoring.coreos.com/v1" {
		t.Errorf("%s is a %s %s", prometheusRuleFile, rule.APIVersion, rule.Kind)
	}
	if len(file.Groups) == 0 || !reflect.DeepEqual(rule.Spec.Groups, file.Groups) {
		t.Errorf("%s's spec.groups differ from %s; regenerate it: cd deploy && go test -run TestPrometheusRuleIsAlertsYml -update", prometheusRuleFile, alertsFile)
	}
	want, _ := prometheusRuleFrom(alerts)
	if !bytes.Equal(b, want) {
		t.Errorf("%s is not what -update writes from %s (comments or layout differ)", prometheusRuleFile, alertsFile)
	}
}

// TestServiceMonitorScrapesTheWorkers: the ServiceMonitor, decoded strictly,
// selects the metrics Service and scrapes its port at /metrics.
func TestServiceMonitorScrapesTheWorkers(t *testing.T) {
	m := loadManifests(t)
	sm := m.serviceMonitor
	for k, v := range sm.Spec.Selector.MatchLabels {
		if m.service.Labels[k] != v {
			t.Errorf("ServiceMonitor selects %s=%s; the Service's labels are %v", k, v, m.service.Labels)
		}
	}
	if len(sm.Spec.Selector.MatchLabels) == 0 {
		t.Error("ServiceMonitor selects every Service")
	}
	if len(sm.Spec.Endpoints) != 1 {
		t.Fatalf("ServiceMonitor endpoints %+v; want one", sm.Spec.Endpoints)
	}
	ep := sm.Spec.Endpoints[0]
	if ep.Port != m.service.Spec.Ports[0].Name || ep.Path != "/metrics" {
		t.Errorf("ServiceMonitor scrapes port %q path %q; want the Service's port %q, /metrics", ep.Port, ep.Path, m.service.Spec.Ports[0].Name)
	}
}
