package schemas

import (
	"bytes"
	"encoding/json"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ValidateResult checks r, as it would be marshalled onto the result topic, against
// result.schema.json. It also refuses a zero ProcessedAt, which the schema cannot tell from a
// real time. The error, if any, is a *[ValidationError] that matches [ErrInvalid].
func ValidateResult(r *Result) error {
	if r == nil {
		return newValidationError(Problem{Message: "nil result"})
	}
	b, err := json.Marshal(r)
	if err != nil {
		return newValidationError(Problem{Message: "marshal: " + err.Error()})
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return newValidationError(Problem{Message: "marshal: " + err.Error()})
	}
	problems := validateSchema(compiledSchemas().result, v)
	if r.ProcessedAt.IsZero() {
		problems = append(problems, Problem{Path: "/processedAt", Message: "must be set"})
	}
	if len(problems) > 0 {
		return newValidationError(problems...)
	}
	return nil
}
