package schemas

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var schemaFiles = []string{LeadEventSchema, CustomerEventSchema, ResultSchema, definitionsSchema}

func TestSchemasCompile(t *testing.T) {
	t.Parallel()
	if _, err := compile(); err != nil {
		t.Fatal(err)
	}
}

// TestSchemaDocumentation checks that every property of every schema has a description and
// examples, and that each example is valid against the property's own schema: producers read
// them as documentation.
func TestSchemaDocumentation(t *testing.T) {
	t.Parallel()
	c, err := newCompiler()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range schemaFiles {
		b, err := SchemaJSON(name)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		walkProperties(doc, "", func(ptr string, prop map[string]any) {
			checked++
			loc := name + "#" + ptr
			if d, _ := prop["description"].(string); strings.TrimSpace(d) == "" {
				t.Errorf("%s: no description", loc)
			}
			examples, _ := prop["examples"].([]any)
			if len(examples) == 0 {
				t.Errorf("%s: no examples", loc)
				return
			}
			s, err := c.Compile(baseURL + loc)
			if err != nil {
				t.Errorf("compile %s: %v", loc, err)
				return
			}
			for i, ex := range examples {
				if err := s.Validate(ex); err != nil {
					t.Errorf("%s: examples[%d] is invalid: %v", loc, i, err)
				}
			}
		})
	}
	if checked < 80 {
		t.Errorf("checked %d properties; want every property of the schemas (88 when written)", checked)
	}
}

// walkProperties calls fn with the JSON pointer and schema of every property declared in
// schema, its $defs, its properties and its items (not in conditionals such as if/then).
func walkProperties(schema any, ptr string, fn func(ptr string, prop map[string]any)) {
	obj, ok := schema.(map[string]any)
	if !ok {
		return
	}
	if props, ok := obj["properties"].(map[string]any); ok {
		for name, p := range props {
			if prop, ok := p.(map[string]any); ok {
				fn(ptr+"/properties/"+escape(name), prop)
			}
			walkProperties(p, ptr+"/properties/"+escape(name), fn)
		}
	}
	if defs, ok := obj["$defs"].(map[string]any); ok {
		for name, d := range defs {
			walkProperties(d, ptr+"/$defs/"+escape(name), fn)
		}
	}
	walkProperties(obj["items"], ptr+"/items", fn)
}

func TestSchemaJSON(t *testing.T) {
	t.Parallel()
	for _, name := range schemaFiles {
		b, err := SchemaJSON(name)
		if err != nil {
			t.Fatalf("SchemaJSON(%q) = %v", name, err)
		}
		var v struct {
			ID string `json:"$id"`
		}
		if err := json.Unmarshal(b, &v); err != nil || v.ID != baseURL+name {
			t.Errorf("SchemaJSON(%q): $id = %q (%v); want %q", name, v.ID, err, baseURL+name)
		}
	}
	if _, err := SchemaJSON("nope.json"); err == nil {
		t.Error("SchemaJSON(nope.json) = nil error; want an error")
	}
}
