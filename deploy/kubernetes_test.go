package deploy_test

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadworker/leadworker/worker"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	kjson "sigs.k8s.io/json"
	kusttypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

// manifests is deploy/kubernetes and its two overlays (kubernetes-topics,
// kubernetes-prometheus-operator) decoded strictly, one object of each kind.
type manifests struct {
	kustomization  kusttypes.Kustomization
	configMap      corev1.ConfigMap
	deployment     appsv1.Deployment
	job            batchv1.Job // kubernetes-topics
	service        corev1.Service
	pdb            policyv1.PodDisruptionBudget
	scaledObject   scaledObject
	serviceMonitor monitoringv1.ServiceMonitor // kubernetes-prometheus-operator
	prometheusRule monitoringv1.PrometheusRule // kubernetes-prometheus-operator
}

// decodeStrict decodes one YAML document into v as the API server's strict
// field validation does: a field v's type does not have, a key whose case
// differs from the field's, or a key given twice fails.
func decodeStrict(t *testing.T, file string, doc []byte, v any) {
	t.Helper()
	for _, err := range strictErrors(doc, v) {
		t.Errorf("%s: %v", file, err)
	}
	if t.Failed() {
		t.FailNow()
	}
}

func strictErrors(doc []byte, v any) []error {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return []error{err}
	}
	strict, err := kjson.UnmarshalStrict(j, v, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return []error{err}
	}
	return strict
}

// manifestDirs are the kustomizations under deploy/: the base, and the
// overlays that add to it (each lists ../kubernetes first).
var manifestDirs = []string{"kubernetes", "kubernetes-topics", "kubernetes-prometheus-operator"}

// loadManifests decodes each kustomization.yaml and every file it lists,
// each into the Go type of its kind: k8s.io/api for the built-in kinds, the
// Prometheus Operator's types for its kinds, a mirror of KEDA's API types
// (keda_test.go) for the ScaledObject.
func loadManifests(t *testing.T) *manifests {
	t.Helper()
	m := &manifests{}
	seen := map[string]bool{}
	for _, dir := range manifestDirs {
		var k kusttypes.Kustomization
		b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		decodeStrict(t, filepath.Join(dir, "kustomization.yaml"), b, &k)
		if k.Kind != kusttypes.KustomizationKind {
			t.Errorf("%s/kustomization.yaml kind = %q; want %q", dir, k.Kind, kusttypes.KustomizationKind)
		}
		if dir == "kubernetes" {
			m.kustomization = k
		} else if len(k.Resources) == 0 || k.Resources[0] != "../kubernetes" {
			t.Errorf("%s/kustomization.yaml resources %v; want the base (../kubernetes) first", dir, k.Resources)
		}
		onDisk, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, f := range onDisk {
			if base := filepath.Base(f); base != "kustomization.yaml" && !slices.Contains(k.Resources, base) {
				t.Errorf("%s is not listed in %s/kustomization.yaml's resources", f, dir)
			}
		}
		for _, r := range k.Resources {
			if r == "../kubernetes" {
				continue
			}
			m.decodeFile(t, filepath.Join(dir, r), seen)
		}
	}
	for _, want := range []string{"v1 ConfigMap", "apps/v1 Deployment", "batch/v1 Job", "v1 Service", "policy/v1 PodDisruptionBudget",
		"keda.sh/v1alpha1 ScaledObject", "monitoring.coreos.com/v1 ServiceMonitor", "monitoring.coreos.com/v1 PrometheusRule"} {
		if !seen[want] {
			t.Errorf("no %s in deploy/kubernetes", want)
		}
	}
	return m
}

// decodeFile decodes every document of file into m, by kind.
func (m *manifests) decodeFile(t *testing.T, file string, seen map[string]bool) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range bytes.Split(b, []byte("\n---\n")) {
		var tm struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		key := tm.APIVersion + " " + tm.Kind
		if seen[key] {
			t.Fatalf("%s: a second %s; the tests expect one of each kind", file, key)
		}
		seen[key] = true
		var into any
		switch key {
		case "v1 ConfigMap":
			into = &m.configMap
		case "apps/v1 Deployment":
			into = &m.deployment
		case "batch/v1 Job":
			into = &m.job
		case "v1 Service":
			into = &m.service
		case "policy/v1 PodDisruptionBudget":
			into = &m.pdb
		case "keda.sh/v1alpha1 ScaledObject":
			into = &m.scaledObject
		case "monitoring.coreos.com/v1 ServiceMonitor":
			into = &m.serviceMonitor
		case "monitoring.coreos.com/v1 PrometheusRule":
			into = &m.prometheusRule
		default:
			t.Fatalf("%s: %s has no Go type in this test; add one", file, key)
		}
		decodeStrict(t, file, doc, into)
	}
}

// TestDecodeStrict fails on a field the API does not have, in any case.
func TestDecodeStrict(t *testing.T) {
	tests := []struct{ name, field, want string }{
		{"misspelt", "livenesProbe: {}", "livenesProbe"},
		{"wrong case", "readinessprobe: {}", "readinessprobe"},
		{"twice", "name: y", "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := "spec:\n  template:\n    spec:\n      containers:\n        - name: x\n          " + tt.field + "\n"
			errs := strictErrors([]byte(doc), &appsv1.Deployment{})
			if len(errs) == 0 || !strings.Contains(fmt.Sprint(errs), tt.want) {
				t.Errorf("decoding %q = %v; want an error naming %s", tt.field, errs, tt.want)
			}
		})
	}
}

// env is what a container's process sees: its envFrom ConfigMap, then env.
func (m *manifests) env(t *testing.T, c corev1.Container) map[string]corev1.EnvVar {
	t.Helper()
	out := map[string]corev1.EnvVar{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil || from.ConfigMapRef.Name != m.configMap.Name {
			t.Fatalf("container %s: envFrom %+v; want the ConfigMap %s", c.Name, from, m.configMap.Name)
		}
		for k, v := range m.configMap.Data {
			out[k] = corev1.EnvVar{Name: k, Value: v}
		}
	}
	for _, e := range c.Env {
		out[e.Name] = e
	}
	return out
}

// setting is a variable's value in env, else the worker's default.
func setting(env map[string]corev1.EnvVar, name, def string) string {
	if e, ok := env[name]; ok && e.ValueFrom == nil {
		return e.Value
	}
	return def
}

// goRuntimeVariables are read by the Go runtime, not by leadworker.
var goRuntimeVariables = []string{"GOMEMLIMIT", "GOMAXPROCS", "GOGC"}

// TestManifestsAgreeWithTheWorker: the variables the pods set are the
// README's, the probes and ports are where HTTP_ADDR serves them, the grace
// period outlasts DRAIN_TIMEOUT, the password comes from a Secret file, and
// KEDA watches the topic and group where the work queues.
func TestManifestsAgreeWithTheWorker(t *testing.T) {
	m := loadManifests(t)
	readme := readmeVariables(t)
	def := worker.DefaultConfig()

	pod := m.deployment.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("deployment containers = %d; want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	env := m.env(t, c)
	jobC := m.job.Spec.Template.Spec.Containers[0]
	for where, vars := range map[string]map[string]corev1.EnvVar{"deployment": env, "job": m.env(t, jobC)} {
		for name := range vars {
			if _, ok := readme[name]; !ok && !slices.Contains(goRuntimeVariables, name) {
				t.Errorf("%s sets %s, which README.md's configuration table does not have", where, name)
			}
		}
	}

	t.Run("http", func(t *testing.T) {
		if readme["HTTP_ADDR"] != def.HTTPAddr {
			t.Errorf("README's HTTP_ADDR default %q; the worker's is %q", readme["HTTP_ADDR"], def.HTTPAddr)
		}
		addr := setting(env, "HTTP_ADDR", def.HTTPAddr)
		_, p, _ := strings.Cut(addr, ":")
		port, err := strconv.Atoi(p)
		if err != nil {
			t.Fatalf("HTTP_ADDR %q: %v", addr, err)
		}
		var named string
		for _, cp := range c.Ports {
			if cp.ContainerPort == int32(port) {
				named = cp.Name
			}
		}
		if named == "" {
			t.Fatalf("no containerPort %d (HTTP_ADDR %q) in %+v", port, addr, c.Ports)
		}
		for _, pr := range []struct {
			name  string
			probe *corev1.Probe
			path  string
		}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
			if pr.probe == nil || pr.probe.HTTPGet == nil {
				t.Errorf("%s probe: want an HTTP GET of %s", pr.name, pr.path)
				continue
			}
			g := pr.probe.HTTPGet
			if g.Path != pr.path || !samePort(g.Port, named, port) {
				t.Errorf("%s probe = GET %s on %s; want GET %s on %q (%d)", pr.name, g.Path, g.Port.String(), pr.path, named, port)
			}
		}
		if len(m.service.Spec.Ports) != 1 || !samePort(m.service.Spec.Ports[0].TargetPort, named, port) {
			t.Errorf("service ports %+v; want one targeting %q", m.service.Spec.Ports, named)
		}
		if !m.service.Spec.PublishNotReadyAddresses {
			t.Error("service: an unready worker must still be scraped (publishNotReadyAddresses)")
		}
	})

	t.Run("grace", func(t *testing.T) {
		drain, err := time.ParseDuration(setting(env, "DRAIN_TIMEOUT", def.DrainTimeout.String()))
		if err != nil {
			t.Fatal(err)
		}
		if readme["DRAIN_TIMEOUT"] != def.DrainTimeout.String() {
			t.Errorf("README's DRAIN_TIMEOUT default %q; the worker's is %v", readme["DRAIN_TIMEOUT"], def.DrainTimeout)
		}
		grace := time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
		// After the drain: commit (10s client timeout), close the readers
		// (5s), flush the writers, stop HTTP (5s).
		if grace-drain < 30*time.Second {
			t.Errorf("terminationGracePeriodSeconds %v leaves %v after DRAIN_TIMEOUT %v; want at least 30s", grace, grace-drain, drain)
		}
	})

	t.Run("password", func(t *testing.T) {
		if _, ok := env["MYKAARMA_PASSWORD"]; ok {
			t.Error("MYKAARMA_PASSWORD is set; the password belongs in a file (MYKAARMA_PASSWORD_FILE)")
		}
		file := setting(env, "MYKAARMA_PASSWORD_FILE", "")
		var secret string
		for _, vm := range c.VolumeMounts {
			if strings.HasPrefix(file, vm.MountPath+"/") && vm.ReadOnly {
				for _, v := range pod.Volumes {
					if v.Name == vm.Name && v.Secret != nil {
						secret = v.Secret.SecretName
						for _, it := range v.Secret.Items {
							if vm.MountPath+"/"+it.Path != file {
								t.Errorf("secret item %s mounted at %s/%s; MYKAARMA_PASSWORD_FILE is %s", it.Key, vm.MountPath, it.Path, file)
							}
						}
					}
				}
			}
		}
		if secret == "" {
			t.Errorf("MYKAARMA_PASSWORD_FILE %q is not in a read-only Secret volume", file)
		}
	})

	t.Run("security", func(t *testing.T) {
		for _, p := range []struct {
			name string
			spec corev1.PodSpec
		}{{"deployment", pod}, {"job", m.job.Spec.Template.Spec}} {
			if sc := p.spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
				t.Errorf("%s: want runAsNonRoot", p.name)
			}
			for _, c := range p.spec.Containers {
				sc := c.SecurityContext
				if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
					sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
					sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
					t.Errorf("%s container %s: want readOnlyRootFilesystem, no privilege escalation, capabilities drop ALL", p.name, c.Name)
				}
				if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
					t.Errorf("%s container %s: want CPU and memory requests and a memory limit", p.name, c.Name)
				}
			}
		}
	})

	t.Run("memory", func(t *testing.T) {
		// The worker sets Go's soft limit to 90% of MEMORY_LIMIT_BYTES; a
		// GOMEMLIMIT of the whole limit would leave no headroom.
		if _, ok := env["GOMEMLIMIT"]; ok {
			t.Error("GOMEMLIMIT is set; pass the limit as MEMORY_LIMIT_BYTES and let the worker keep 10% headroom")
		}
		e, ok := env["MEMORY_LIMIT_BYTES"]
		if !ok || e.ValueFrom == nil || e.ValueFrom.ResourceFieldRef == nil {
			t.Fatalf("MEMORY_LIMIT_BYTES = %+v; want a resourceFieldRef of limits.memory", e)
		}
		ref := e.ValueFrom.ResourceFieldRef
		if ref.Resource != "limits.memory" || (ref.ContainerName != "" && ref.ContainerName != c.Name) || (!ref.Divisor.IsZero() && ref.Divisor.Value() != 1) {
			t.Errorf("MEMORY_LIMIT_BYTES from %+v; want limits.memory of %s in bytes (divisor 1)", ref, c.Name)
		}
		if c.Resources.Limits.Memory().IsZero() {
			t.Error("no memory limit: MEMORY_LIMIT_BYTES would be the node's allocatable memory")
		}
	})

	t.Run("spread", func(t *testing.T) {
		// Across zones and across nodes, counting only this Deployment's pods.
		keys := map[string]corev1.TopologySpreadConstraint{}
		for _, tsc := range pod.TopologySpreadConstraints {
			keys[tsc.TopologyKey] = tsc
			if tsc.LabelSelector == nil {
				t.Errorf("spread over %s counts every pod", tsc.TopologyKey)
				continue
			}
			for k, v := range tsc.LabelSelector.MatchLabels {
				if m.deployment.Spec.Template.Labels[k] != v {
					t.Errorf("spread over %s selects %s=%s, not the pod template's labels", tsc.TopologyKey, k, v)
				}
			}
		}
		zone, okZone := keys["topology.kubernetes.io/zone"]
		host, okHost := keys["kubernetes.io/hostname"]
		if !okZone || !okHost {
			t.Fatalf("topologySpreadConstraints over %v; want topology.kubernetes.io/zone and kubernetes.io/hostname", slices.Collect(maps.Keys(keys)))
		}
		if zone.WhenUnsatisfiable != corev1.ScheduleAnyway {
			t.Errorf("zone spread %s; want ScheduleAnyway (a one-zone cluster, or nodes without the label, must still schedule)", zone.WhenUnsatisfiable)
		}
		if host.WhenUnsatisfiable != corev1.DoNotSchedule {
			t.Errorf("node spread %s; want DoNotSchedule (replicas must not stack on one node)", host.WhenUnsatisfiable)
		}
	})

	t.Run("selectors", func(t *testing.T) {
		labels := m.deployment.Spec.Template.Labels
		for name, sel := range map[string]map[string]string{
			"deployment": m.deployment.Spec.Selector.MatchLabels,
			"service":    m.service.Spec.Selector,
			"pdb":        m.pdb.Spec.Selector.MatchLabels,
		} {
			if len(sel) == 0 {
				t.Errorf("%s selects nothing", name)
			}
			for k, v := range sel {
				if labels[k] != v {
					t.Errorf("%s selector %s=%s does not match the pod template's labels %v", name, k, v, labels)
				}
			}
		}
		if m.deployment.Spec.Replicas != nil {
			t.Error("deployment sets replicas; KEDA's HPA owns the count")
		}
	})

	t.Run("keda", func(t *testing.T) {
		so := m.scaledObject.Spec
		if so.ScaleTargetRef == nil || so.ScaleTargetRef.Name != m.deployment.Name {
			t.Errorf("scaleTargetRef %+v; want the deployment %s", so.ScaleTargetRef, m.deployment.Name)
		}
		if so.MinReplicaCount == nil || *so.MinReplicaCount < 1 {
			t.Error("minReplicaCount must be at least 1: at 0 nobody consumes")
		}
		partitions := flagValue(t, jobC.Command, "--partitions")
		if so.MaxReplicaCount == nil || strconv.Itoa(int(*so.MaxReplicaCount)) != partitions {
			t.Errorf("maxReplicaCount %d; want the partition count %s (topics job)", deref(so.MaxReplicaCount), partitions)
		}
		// The route, bulk route and parked topics belong to one deployment:
		// unset, they follow the group, and so must the triggers.
		for _, name := range []string{"KAFKA_ROUTE_TOPIC", "KAFKA_BULK_ROUTE_TOPIC", "KAFKA_PARKED_TOPIC"} {
			if _, ok := env[name]; ok {
				t.Errorf("the manifests set %s; leave it unset so that the topic follows KAFKA_GROUP_ID", name)
			}
		}
		for _, p := range kafkaTriggersProblems(so.Triggers, m.wantKafkaTrigger(t)) {
			t.Error(p)
		}
		known := kafkaScalerParameters(t)
		for _, tr := range so.Triggers {
			for k := range tr.Metadata {
				if !known[k] {
					t.Errorf("kafka trigger metadata %q is not a parameter of KEDA's Kafka scaler", k)
				}
			}
		}
	})

	t.Run("topics job", func(t *testing.T) {
		if got := strings.Join(jobC.Command[:min(3, len(jobC.Command))], " "); got != "leadworker topics create" {
			t.Errorf("job command starts %q; want leadworker topics create", got)
		}
		if got := strings.Join(c.Command, " "); got != "leadworker run" {
			t.Errorf("deployment command %q; want leadworker run", got)
		}
		// The Job creates the topics the Deployment consumes and writes: the
		// route and parked topics follow KAFKA_GROUP_ID, so it counts too.
		jobEnv := m.env(t, jobC)
		for _, name := range []string{"KAFKA_BROKERS", "KAFKA_GROUP_ID", "KAFKA_INPUT_TOPICS", "KAFKA_RESULT_TOPIC",
			"KAFKA_DLQ_TOPIC", "KAFKA_ROUTE_TOPIC", "KAFKA_BULK_ROUTE_TOPIC", "KAFKA_PARKED_TOPIC", "IDENTITY_ROUTING"} {
			if got, want := setting(jobEnv, name, "(unset)"), setting(env, name, "(unset)"); got != want {
				t.Errorf("job %s = %q, deployment %q; the Job must create the topics the workers use", name, got, want)
			}
		}
	})
}

func samePort(p intstr.IntOrString, name string, number int) bool {
	if p.Type == intstr.String {
		return p.StrVal == name
	}
	return int(p.IntVal) == number
}

func flagValue(t *testing.T, args []string, flag string) string {
	t.Helper()
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v
		}
	}
	t.Fatalf("%v has no %s", args, flag)
	return ""
}

func deref(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}
