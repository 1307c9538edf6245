package schemas

import (
	"reflect"
	"strings"
	"sync"
)

// dropCaseVariants deletes, from v and its nested objects, every key that encoding/json would
// match case-insensitively to a field of t but that is not the field's exact JSON name. Such
// keys are unknown properties to the schema, so they were not validated and must not reach the
// decoded value.
func dropCaseVariants(v any, t reflect.Type) (dropped bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
		if arr, ok := v.([]any); ok {
			for _, e := range arr {
				dropped = dropCaseVariants(e, t) || dropped
			}
			return dropped
		}
	}
	obj, ok := v.(map[string]any)
	if !ok || t.Kind() != reflect.Struct {
		return false
	}
	fields := jsonFields(t)
	for key, val := range obj {
		if ft, ok := fields[key]; ok {
			dropped = dropCaseVariants(val, ft) || dropped
			continue
		}
		for name := range fields {
			if strings.EqualFold(key, name) {
				delete(obj, key)
				dropped = true
				break
			}
		}
	}
	return dropped
}

// jsonFields maps a struct type's JSON names to their field types. The types
// are this package's own and few, so their maps are built once, on first use,
// and never change.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := eventFields()[t]; ok {
		return m
	}
	return fieldsOf(t)
}

var eventFields = sync.OnceValue(func() map[reflect.Type]map[string]reflect.Type {
	all := make(map[reflect.Type]map[string]reflect.Type)
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || all[t] != nil {
			return
		}
		all[t] = fieldsOf(t)
		for _, ft := range all[t] {
			walk(ft)
		}
	}
	walk(reflect.TypeFor[Event]())
	return all
})

func fieldsOf(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = f.Type
		}
	}
	return fields
}
