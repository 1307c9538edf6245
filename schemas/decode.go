package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Decode parses and validates one input record and returns its event.
//
// It rejects, in this order and reporting only the first failure of the list: empty input;
// input that is not UTF-8; input that is not one JSON value (or has data after it); a value
// that is not an object; an eventType that is missing, not a string, or neither "lead" nor
// "customer". It then validates the object against the event type's schema and checks that no
// string the event keeps holds a NUL character (\u0000) or an unpaired UTF-16 surrogate escape
// (such as a lone \ud800, which encoding/json would turn into U+FFFD), reporting every problem
// found, and decodes it. A U+FFFD the producer sent, literally or as \ufffd, is accepted.
//
// Every error is a *[ValidationError] that matches [ErrInvalid]. On success exactly one of
// Lead (eventType "lead") or Customer (eventType "customer") is set; DealerUUID and Vehicles
// are set only for the event type that defines them.
func Decode(b []byte) (*Event, error) {
	return decode(b, true)
}

// DecodeValidated decodes b, which Decode has already accepted (in an earlier
// stage of the pipeline, such as leadworker's route stage, which forwards the
// bytes unchanged), into the same Event Decode returns, without validating it
// against its schema again. It still rejects input that is not a JSON object
// with a known eventType, but it does not check the schema: use it only on
// bytes that passed Decode.
func DecodeValidated(b []byte) (*Event, error) {
	return decode(b, false)
}

// decode parses b, checks it against its event type's schema and for
// unusable text when validate is set, and decodes it.
func decode(b []byte, validate bool) (*Event, error) {
	v, err := parse(b)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, newValidationError(Problem{Message: "not a JSON object: got " + jsonType(v)})
	}
	s, eventType, err := schemaFor(obj)
	if err != nil {
		return nil, err
	}
	if validate {
		if problems := append(validateSchema(s, obj), textProblems(b, eventType)...); len(problems) > 0 {
			return nil, newValidationError(problems...)
		}
	}
	ev, err := toEvent(b, obj, eventType)
	if err != nil {
		// The schema admits only values that decode; this is a bug, reported as a problem so
		// that the record is dead-lettered rather than lost.
		return nil, newValidationError(Problem{Message: "decode: " + err.Error()})
	}
	return ev, nil
}

// toEvent converts a validated object into an Event. encoding/json matches field names
// case-insensitively, so a property the schema did not check (such as "EventID") could
// override one it did; such properties, and the other event type's (unknown to the schema,
// hence unchecked), are dropped from the object, which is then decoded instead of the input.
// When nothing was dropped, the input bytes decode to the same Event and are used directly.
func toEvent(b []byte, obj map[string]any, eventType string) (*Event, error) {
	dropped := false
	for _, k := range foreignProps(eventType) {
		if _, ok := obj[k]; ok {
			delete(obj, k)
			dropped = true
		}
	}
	dropped = dropCaseVariants(obj, reflect.TypeFor[Event]()) || dropped
	if dropped { // decode what is left, not the input
		var err error
		if b, err = json.Marshal(obj); err != nil {
			return nil, err
		}
	}
	var ev Event
	if err := json.Unmarshal(b, &ev); err != nil {
		return nil, err
	}
	return &ev, nil
}

func parse(b []byte) (any, error) {
	if len(b) == 0 {
		return nil, newValidationError(Problem{Message: "empty input"})
	}
	if !utf8.Valid(b) {
		return nil, newValidationError(Problem{Message: "not UTF-8"})
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, newValidationError(Problem{Message: "not JSON: " + syntaxMessage(err)})
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, newValidationError(Problem{Message: "not JSON: data after the value"})
	}
	return v, nil
}

// syntaxMessage describes a JSON syntax error, with its byte offset when known.
func syntaxMessage(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v at offset %d", se, se.Offset)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

// schemaFor picks the schema for obj's eventType.
func schemaFor(obj map[string]any) (*jsonschema.Schema, string, error) {
	raw, ok := obj["eventType"]
	if !ok {
		return nil, "", newValidationError(Problem{Path: "/eventType", Message: "missing property"})
	}
	t, ok := raw.(string)
	if !ok {
		return nil, "", newValidationError(Problem{Path: "/eventType", Message: "got " + jsonType(raw) + ", want string"})
	}
	c := compiledSchemas()
	switch t {
	case TypeLead:
		return c.lead, t, nil
	case TypeCustomer:
		return c.customer, t, nil
	}
	return nil, "", newValidationError(Problem{
		Path:    "/eventType",
		Message: fmt.Sprintf("unknown event type %s, want %s", quote(t), oneOf([]any{TypeLead, TypeCustomer})),
	})
}

// jsonType names the JSON type of a value decoded with UseNumber.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// foreignProps are the Event properties that belong to the other event type: Decode ignores
// them in an event of eventType, since its schema does not check them.
func foreignProps(eventType string) []string {
	if eventType == TypeLead {
		return []string{"customer", "vehicles"}
	}
	return []string{"lead", "dealerUuid"}
}
