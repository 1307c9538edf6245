package deploy_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// build runs `kubectl kustomize dir` (kustomize's own library, as kubectl
// links it).
func build(t *testing.T, dir string) resmap.ResMap {
	t.Helper()
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	return rm
}

// kinds lists the kind/name of every resource, sorted.
func kinds(rm resmap.ResMap) []string {
	var out []string
	for _, r := range rm.Resources() {
		out = append(out, r.GetKind()+"/"+r.GetName())
	}
	slices.Sort(out)
	return out
}

// TestKustomizations: the day-to-day kustomization holds no Job (a Job's pod
// template is immutable, so an image bump would fail to apply); the topics
// overlay is the base plus the Job, with the same image; the
// prometheus-operator overlay is the base plus a ServiceMonitor and a
// PrometheusRule.
func TestKustomizations(t *testing.T) {
	base := kinds(build(t, "kubernetes"))
	for _, k := range base {
		if strings.HasPrefix(k, "Job/") || strings.HasPrefix(k, "CronJob/") {
			t.Errorf("deploy/kubernetes holds %s: an image bump of `kubectl apply -k deploy/kubernetes` would fail (immutable pod template)", k)
		}
	}
	for dir, extra := range map[string][]string{
		"kubernetes-topics":              {"Job/leadworker-topics"},
		"kubernetes-prometheus-operator": {"PrometheusRule/leadworker", "ServiceMonitor/leadworker"},
	} {
		want := slices.Sorted(slices.Values(append(slices.Clone(base), extra...)))
		if got := kinds(build(t, dir)); !slices.Equal(got, want) {
			t.Errorf("kustomize build %s = %v; want the base plus %v", dir, got, extra)
		}
	}

	// The images: entry of the base reaches the Job.
	rm := build(t, "kubernetes-topics")
	var images []string
	for _, r := range rm.Resources() {
		if k := r.GetKind(); k == "Job" || k == "Deployment" {
			img, err := r.GetFieldValue("spec.template.spec.containers.0.image")
			if err != nil {
				t.Fatal(err)
			}
			images = append(images, k+"="+img.(string))
		}
	}
	slices.Sort(images)
	if len(images) != 2 || strings.TrimPrefix(images[0], "Deployment=") != strings.TrimPrefix(images[1], "Job=") {
		t.Errorf("images after kustomize: %v; want the Job and the Deployment on one image", images)
	}
}

// TestRunbookBaseIsConfigurable: the overlay README.md#alerts shows points
// every runbook_url at another base and keeps each anchor; the ConfigMap
// that carries the base is not applied.
func TestRunbookBaseIsConfigurable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(# kustomization\\.yaml of your own overlay\n.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no ```yaml block starting '# kustomization.yaml of your own overlay'")
	}
	overlay := string(m[1])
	const remote = "github.com/leadworker/leadworker//deploy/kubernetes-prometheus-operator?ref=main"
	if !strings.Contains(overlay, remote) {
		t.Fatalf("README's overlay does not use %s:\n%s", remote, overlay)
	}
	dir := t.TempDir()
	ours, err := filepath.Abs("kubernetes-prometheus-operator")
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(dir, ours)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(strings.Replace(overlay, remote, rel, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	base := regexp.MustCompile(`base=([^\]\s]+)`).FindStringSubmatch(overlay)
	if base == nil {
		t.Fatal("README's overlay sets no base=")
	}
	rm := build(t, dir)
	var urls []string
	for _, r := range rm.Resources() {
		if r.GetKind() == "ConfigMap" && r.GetName() != "leadworker" {
			t.Errorf("the overlay applies ConfigMap %s; the runbook base is local configuration", r.GetName())
		}
		if r.GetKind() != "PrometheusRule" {
			continue
		}
		b, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range regexp.MustCompile(`runbook_url: (\S+)`).FindAllSubmatch(b, -1) {
			urls = append(urls, string(u[1]))
		}
	}
	_, rules := alertQueries(t)
	var want []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			_, anchor, _ := strings.Cut(r.Annotations["runbook_url"], "#")
			want = append(want, base[1]+"#"+anchor)
		}
	}
	if !slices.Equal(urls, want) {
		t.Errorf("runbook URLs after the overlay:\n%v\nwant\n%v", urls, want)
	}
}
