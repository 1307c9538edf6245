package deploy_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

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
