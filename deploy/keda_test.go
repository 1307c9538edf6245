package deploy_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/leadworker/leadworker/worker"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kedaVersion is the KEDA release the ScaledObject is written for.
const kedaVersion = "v2.21.0"

// The ScaledObject is decoded into these types, which mirror KEDA's
// apis/keda/v1alpha1 (without status). Importing KEDA's own package would
// compile controller-runtime and every client-go API group, minutes of CPU
// for one struct; TestScaledObjectMirrorsKEDA holds the mirror to KEDA's
// source instead, field for field, so strict decoding rejects exactly what
// KEDA's types would.
type scaledObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              scaledObjectSpec `json:"spec"`
}

type scaledObjectSpec struct {
	ScaleTargetRef        *scaleTarget    `json:"scaleTargetRef"`
	PollingInterval       *int32          `json:"pollingInterval,omitempty"`
	InitialCooldownPeriod *int32          `json:"initialCooldownPeriod,omitempty"`
	CooldownPeriod        *int32          `json:"cooldownPeriod,omitempty"`
	IdleReplicaCount      *int32          `json:"idleReplicaCount,omitempty"`
	MinReplicaCount       *int32          `json:"minReplicaCount,omitempty"`
	MaxReplicaCount       *int32          `json:"maxReplicaCount,omitempty"`
	Advanced              *advancedConfig `json:"advanced,omitempty"`
	Triggers              []scaleTriggers `json:"triggers"`
	Fallback              *fallback       `json:"fallback,omitempty"`
}

type scaleTarget struct {
	Name                   string `json:"name"`
	APIVersion             string `json:"apiVersion,omitempty"`
	Kind                   string `json:"kind,omitempty"`
	EnvSourceContainerName string `json:"envSourceContainerName,omitempty"`
}

type advancedConfig struct {
	HorizontalPodAutoscalerConfig *hpaConfig        `json:"horizontalPodAutoscalerConfig,omitempty"`
	RestoreToOriginalReplicaCount bool              `json:"restoreToOriginalReplicaCount,omitempty"`
	ScalingModifiers              *scalingModifiers `json:"scalingModifiers,omitempty"`
}

type hpaConfig struct {
	Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
	Name     string                                         `json:"name,omitempty"`
}

type scalingModifiers struct {
	Formula          string `json:"formula,omitempty"`
	Target           string `json:"target,omitempty"`
	ActivationTarget string `json:"activationTarget,omitempty"`
	MetricType       string `json:"metricType,omitempty"`
}

type scaleTriggers struct {
	Type              string             `json:"type"`
	Name              string             `json:"name,omitempty"`
	UseCachedMetrics  bool               `json:"useCachedMetrics,omitempty"`
	Metadata          map[string]string  `json:"metadata"`
	AuthenticationRef *authenticationRef `json:"authenticationRef,omitempty"`
	MetricType        string             `json:"metricType,omitempty"`
}

type authenticationRef struct {
	Name string `json:"name"`
	Kind string `json:"kind,omitempty"`
}

type fallback struct {
	FailureThreshold int32  `json:"failureThreshold"`
	Replicas         int32  `json:"replicas"`
	Behavior         string `json:"behavior,omitempty"`
}

// mirrored pairs each mirror type with the KEDA type it copies.
var mirrored = map[string]reflect.Type{
	"ScaledObjectSpec":              reflect.TypeFor[scaledObjectSpec](),
	"ScaleTarget":                   reflect.TypeFor[scaleTarget](),
	"AdvancedConfig":                reflect.TypeFor[advancedConfig](),
	"HorizontalPodAutoscalerConfig": reflect.TypeFor[hpaConfig](),
	"ScalingModifiers":              reflect.TypeFor[scalingModifiers](),
	"ScaleTriggers":                 reflect.TypeFor[scaleTriggers](),
	"AuthenticationRef":             reflect.TypeFor[authenticationRef](),
	"Fallback":                      reflect.TypeFor[fallback](),
}

// kedaSource returns the directory of KEDA's module at kedaVersion,
// downloading it into the module cache if needed (source only, nothing is
// compiled).
func kedaSource(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", "github.com/kedacore/keda/v2@"+kedaVersion)
	cmd.Dir = t.TempDir() // outside this module: a plain download
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download KEDA %s: %v\n%s", kedaVersion, err, out)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		t.Fatalf("go mod download KEDA %s: %v %s", kedaVersion, err, mod.Error)
	}
	return mod.Dir
}

// jsonFields returns, for every struct type declared in dir's non-test Go
// files, the JSON names of its fields (inline fields left out).
func jsonFields(t *testing.T, dir string) map[string][]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	out := map[string][]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			names := []string{}
			for _, fld := range st.Fields.List {
				if fld.Tag == nil {
					continue
				}
				tag, _ := strconv.Unquote(fld.Tag.Value)
				if name := jsonName(reflect.StructTag(tag)); name != "" {
					names = append(names, name)
				}
			}
			out[ts.Name.Name] = names
			return false
		})
	}
	return out
}

func jsonName(tag reflect.StructTag) string {
	name, _, _ := strings.Cut(tag.Get("json"), ",")
	return name
}

// TestScaledObjectMirrorsKEDA: each mirror type has exactly the JSON
// fields of its KEDA type, so no field KEDA lacks is accepted and none it
// has is refused.
func TestScaledObjectMirrorsKEDA(t *testing.T) {
	keda := jsonFields(t, filepath.Join(kedaSource(t), "apis/keda/v1alpha1"))
	for kedaName, mirror := range mirrored {
		want, ok := keda[kedaName]
		if !ok {
			t.Errorf("KEDA %s has no type %s", kedaVersion, kedaName)
			continue
		}
		var got []string
		for i := range mirror.NumField() {
			if name := jsonName(mirror.Field(i).Tag); name != "" {
				got = append(got, name)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s mirrors KEDA's %s with fields %v; KEDA %s has %v", mirror.Name(), kedaName, got, kedaVersion, want)
		}
	}
}

// kafkaScalerParameters reads the metadata names KEDA's Kafka scaler
// accepts from its source (its keda:"name=..." struct tags). Trigger
// metadata is a map[string]string, so strict decoding cannot catch a
// misspelt key.
func kafkaScalerParameters(t *testing.T) map[string]bool {
	t.Helper()
	src := filepath.Join(kedaSource(t), "pkg/scalers/kafka_scaler.go")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("KEDA's Kafka scaler source: %v", err)
	}
	known := map[string]bool{}
	for _, m := range regexp.MustCompile(`keda:"name=([A-Za-z]+)`).FindAllSubmatch(b, -1) {
		known[string(m[1])] = true
	}
	if !known["bootstrapServers"] || !known["lagThreshold"] {
		t.Fatalf("%s: found %d parameters, not bootstrapServers and lagThreshold: the source changed shape", src, len(known))
	}
	return known
}

// kafkaTrigger is what a Kafka trigger of the ScaledObject must say: the
// brokers, a topic where the work queues and the group that consumes it,
// and the parked topic it must not count. topics are all the topics where
// work queues, one trigger each: the route and bulk route topics with
// identity routing (KEDA scales on the larger), else the input topic.
type kafkaTrigger struct {
	brokers, topic, group, parked string
	topics                        []string
}

// kafkaTriggersProblems checks a ScaledObject's triggers against want: one
// Kafka trigger for each of want.topics, each as kafkaTriggerProblems says.
func kafkaTriggersProblems(triggers []scaleTriggers, want kafkaTrigger) []string {
	if len(triggers) != len(want.topics) {
		return []string{fmt.Sprintf("%d triggers; want one kafka trigger for each of %q", len(triggers), want.topics)}
	}
	var out []string
	for i, tr := range triggers {
		w := want
		w.topic = want.topics[i]
		if tr.Type != "kafka" {
			out = append(out, fmt.Sprintf("trigger %d is %q; want kafka", i, tr.Type))
			continue
		}
		out = append(out, kafkaTriggerProblems(tr.Metadata, w)...)
	}
	return out
}

// wantKafkaTrigger derives the trigger from the settings the Deployment's
// container sees (its ConfigMap, else the worker's defaults).
func (m *manifests) wantKafkaTrigger(t *testing.T) kafkaTrigger {
	t.Helper()
	env := m.env(t, m.deployment.Spec.Template.Spec.Containers[0])
	def := worker.DefaultConfig()
	group := setting(env, "KAFKA_GROUP_ID", def.GroupID)
	want := kafkaTrigger{
		brokers: setting(env, "KAFKA_BROKERS", ""),
		topic:   worker.Config{GroupID: group}.DefaultRouteTopic(),
		group:   worker.Config{GroupID: group}.RouteGroup(),
		parked:  setting(env, "KAFKA_PARKED_TOPIC", worker.Config{GroupID: group}.DefaultParkedTopic()),
	}
	want.topics = []string{want.topic, setting(env, "KAFKA_BULK_ROUTE_TOPIC", worker.Config{GroupID: group}.DefaultBulkRouteTopic())}
	if routing, _ := strconv.ParseBool(setting(env, "IDENTITY_ROUTING", strconv.FormatBool(def.IdentityRouting))); !routing {
		want.topic = setting(env, "KAFKA_INPUT_TOPICS", strings.Join(def.InputTopics, ","))
		want.group = group
		want.topics = []string{want.topic}
	}
	return want
}

// kafkaTriggerProblems checks one Kafka trigger's metadata against want.
// The trigger must name its topic: without one, KEDA's Kafka scaler counts
// the lag of every topic the group has committed offsets for, and the
// process stage's group also consumes the parked topic, whose records wait
// on a paused department that no added replica can help (and it would cap
// replicas at the partitions of both topics, twice the partition count).
func kafkaTriggerProblems(md map[string]string, want kafkaTrigger) []string {
	var out []string
	switch topic := md["topic"]; {
	case topic == "":
		out = append(out, fmt.Sprintf("kafka trigger names no topic: KEDA would count every topic of group %s, the parked topic %s too; want topic %q", md["consumerGroup"], want.parked, want.topic))
	case topic == want.parked:
		out = append(out, fmt.Sprintf("kafka trigger counts the parked topic %s: parked events wait on a paused department and more replicas cannot help; want topic %q", topic, want.topic))
	case topic != want.topic:
		out = append(out, fmt.Sprintf("kafka trigger topic = %q; want %q", topic, want.topic))
	}
	for _, kv := range [][2]string{
		{"bootstrapServers", want.brokers},
		{"consumerGroup", want.group},
		{"offsetResetPolicy", "earliest"},
	} {
		if md[kv[0]] != kv[1] {
			out = append(out, fmt.Sprintf("kafka trigger %s = %q; want %q", kv[0], md[kv[0]], kv[1]))
		}
	}
	return out
}

// TestKafkaTriggerProblems: the trigger check fails a trigger that names no
// topic, one that names the parked topic, and one on another topic, and
// passes the right one.
func TestKafkaTriggerProblems(t *testing.T) {
	want := kafkaTrigger{brokers: "kafka:9092", topic: "lw.route", group: "lw.route", parked: "lw.parked"}
	good := map[string]string{"bootstrapServers": "kafka:9092", "topic": "lw.route", "consumerGroup": "lw.route", "offsetResetPolicy": "earliest", "lagThreshold": "1000"}
	with := func(k, v string) map[string]string {
		md := maps.Clone(good)
		md[k] = v
		return md
	}
	without := func(k string) map[string]string {
		md := maps.Clone(good)
		delete(md, k)
		return md
	}
	tests := []struct {
		name string
		md   map[string]string
		want string // in the one problem; "" for none
	}{
		{"route topic", good, ""},
		{"no topic", without("topic"), "names no topic"},
		{"empty topic", with("topic", ""), "names no topic"},
		{"parked topic", with("topic", "lw.parked"), "counts the parked topic lw.parked"},
		{"input topic", with("topic", "crm.events"), `topic = "crm.events"`},
		{"another group", with("consumerGroup", "lw"), `consumerGroup = "lw"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := kafkaTriggerProblems(tt.md, want)
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("problems %q; want none", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("problems %q; want one containing %q", got, tt.want)
			}
		})
	}
}

// TestKustomizedScaledObjectsCountNoParkedTopic: the ScaledObject as each
// kustomization builds it (an overlay could patch the trigger) has one
// Kafka trigger on each topic where the work queues (the route and bulk
// route topics), never the parked one.
func TestKustomizedScaledObjectsCountNoParkedTopic(t *testing.T) {
	want := loadManifests(t).wantKafkaTrigger(t)
	for _, dir := range manifestDirs {
		t.Run(dir, func(t *testing.T) {
			var found int
			for _, r := range build(t, dir).Resources() {
				if r.GetKind() != "ScaledObject" {
					continue
				}
				found++
				b, err := r.AsYAML()
				if err != nil {
					t.Fatal(err)
				}
				var so scaledObject
				decodeStrict(t, dir+" ScaledObject/"+r.GetName(), b, &so)
				for _, p := range kafkaTriggersProblems(so.Spec.Triggers, want) {
					t.Error(p)
				}
			}
			if found != 1 {
				t.Errorf("kustomize build %s has %d ScaledObjects; want 1", dir, found)
			}
		})
	}
}
