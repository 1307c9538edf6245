package schemas

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// patternMessages phrase, by the schema location of a pattern, what the pattern wants, so that
// messages show neither regular expressions nor the value (a phone number is personal data).
var patternMessages = map[string]string{
	definitionsSchema + "#/$defs/phoneNumber":                   "not a phone number: want only digits, spaces and + ( ) - . with at least 10 digits",
	definitionsSchema + "#/$defs/vin":                           "not a VIN: want 1 to 17 letters and digits",
	LeadEventSchema + "#/$defs/lead/properties/lastContactDate": "not a valid date: want yyyy-MM-dd HH:mm:ss followed by Z or an offset like +0000",
}

// validateSchema validates v against s and returns the problems found, or nil.
func validateSchema(s *jsonschema.Schema, v any) []Problem {
	err := s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Problem{{Message: err.Error()}}
	}
	var problems []Problem
	collect(ve, &problems)
	return problems
}

// collect appends the problems of the leaves of e's tree of causes.
func collect(e *jsonschema.ValidationError, problems *[]Problem) {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			collect(c, problems)
		}
		return
	}
	path := pointer(e.InstanceLocation)
	if k, ok := e.ErrorKind.(*kind.Required); ok {
		for _, name := range k.Missing {
			*problems = append(*problems, Problem{Path: path + "/" + escape(name), Message: "missing property"})
		}
		return
	}
	*problems = append(*problems, Problem{Path: path, Message: describe(e)})
}

// describe phrases the error kinds the embedded schemas can produce; others keep jsonschema's
// English message.
func describe(e *jsonschema.ValidationError) string {
	switch k := e.ErrorKind.(type) {
	case *kind.Type:
		return fmt.Sprintf("got %s, want %s", k.Got, strings.Join(k.Want, " or "))
	case *kind.Enum:
		return "value must be " + oneOf(k.Want)
	case *kind.Const:
		return "value must be " + oneOf([]any{k.Want})
	case *kind.MinLength:
		if k.Want == 1 {
			return "must not be empty"
		}
		return fmt.Sprintf("too short: %d characters, want at least %d", k.Got, k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("too long: %d characters, want at most %d", k.Got, k.Want)
	case *kind.MinItems:
		if k.Want == 1 {
			return "must not be empty"
		}
		return fmt.Sprintf("too few items: %d, want at least %d", k.Got, k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("too many items: %d, want at most %d", k.Got, k.Want)
	case *kind.Minimum:
		return fmt.Sprintf("got %s, want at least %s", k.Got.RatString(), k.Want.RatString())
	case *kind.Pattern:
		if msg, ok := patternMessages[strings.TrimPrefix(e.SchemaURL, baseURL)]; ok {
			return msg
		}
		return "does not match pattern " + strconv.Quote(k.Want)
	case *kind.Format:
		got, _ := k.Got.(string)
		reason := "want " + k.Want
		if errors.Is(k.Err, errDateTime) {
			reason = errDateTime.Error()
		} else if k.Want == "date" {
			reason = "want yyyy-MM-dd"
		}
		return fmt.Sprintf("%s is not a valid %s: %s", quote(got), k.Want, reason)
	default:
		return e.ErrorKind.LocalizedString(message.NewPrinter(language.English))
	}
}

// oneOf renders the allowed values of an enum or const: `"NEW"` or `one of "MMC", "BMW_SPARC"`.
func oneOf(want []any) string {
	parts := make([]string, len(want))
	for i, w := range want {
		if s, ok := w.(string); ok {
			parts[i] = quote(s)
		} else {
			parts[i] = fmt.Sprint(w)
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "one of " + strings.Join(parts, ", ")
}

// pointer renders an instance location as a JSON pointer.
func pointer(tokens []string) string {
	var sb strings.Builder
	for _, t := range tokens {
		sb.WriteByte('/')
		sb.WriteString(escape(t))
	}
	return sb.String()
}

// escape escapes a JSON pointer reference token (RFC 6901).
func escape(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}
