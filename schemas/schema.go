package schemas

import (
	"bytes"
	"embed"
	"fmt"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schema files, embedded. Their $id values share baseURL, so the relative $refs between them
// resolve without any loader.
//
//go:embed *.schema.json
var schemaFS embed.FS

const baseURL = "https://github.com/leadworker/leadworker/schemas/"

// Schema file names.
const (
	LeadEventSchema     = "lead-event.schema.json"
	CustomerEventSchema = "customer-event.schema.json"
	ResultSchema        = "result.schema.json"
	definitionsSchema   = "definitions.schema.json"
)

// SchemaJSON returns the raw text of an embedded schema file ([LeadEventSchema],
// [CustomerEventSchema], [ResultSchema] or "definitions.schema.json"), for serving or
// publishing it.
func SchemaJSON(name string) ([]byte, error) {
	b, err := schemaFS.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("schema %q: %w", name, err)
	}
	return b, nil
}

// compiled holds the compiled schemas. A *jsonschema.Schema is immutable once compiled and
// safe for concurrent Validate calls.
type compiled struct {
	lead, customer, result *jsonschema.Schema
}

// compiledSchemas compiles the embedded schemas once. The schemas are part of the binary, so a
// failure is a programming error and panics (the package's tests compile them).
var compiledSchemas = sync.OnceValue(func() compiled {
	c, err := compile()
	if err != nil {
		panic("schemas: " + err.Error())
	}
	return c
})

func compile() (compiled, error) {
	c, err := newCompiler()
	if err != nil {
		return compiled{}, err
	}
	var out compiled
	for name, dst := range map[string]**jsonschema.Schema{
		LeadEventSchema:     &out.lead,
		CustomerEventSchema: &out.customer,
		ResultSchema:        &out.result,
	} {
		s, err := c.Compile(baseURL + name)
		if err != nil {
			return compiled{}, fmt.Errorf("compile %s: %w", name, err)
		}
		*dst = s
	}
	return out, nil
}

// newCompiler returns a compiler that knows every embedded schema file.
func newCompiler() (*jsonschema.Compiler, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.RegisterFormat(&jsonschema.Format{Name: "date-time", Validate: validateDateTime})
	c.UseLoader(noLoader{})
	for _, name := range []string{definitionsSchema, LeadEventSchema, CustomerEventSchema, ResultSchema} {
		b, err := schemaFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := c.AddResource(baseURL+name, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return c, nil
}

// noLoader refuses to load anything: every schema, including the draft 2020-12 metaschema
// (built into jsonschema), is already known, and validation must never touch the network.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("no schema at %s", url)
}

// validateDateTime replaces the "date-time" format with the parser encoding/json uses for
// time.Time, so that a value the schema accepts always decodes into [Event].OccurredAt. It is
// stricter than RFC 3339 in one way: leap seconds (23:59:60) are refused.
func validateDateTime(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	var t time.Time
	if err := t.UnmarshalText([]byte(s)); err != nil {
		return errDateTime
	}
	return nil
}
