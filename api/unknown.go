package api

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// unknownFields walks decoded JSON against the Go type it is meant for and
// returns the path of every member that type does not have, like
// "unit.rank" or "vehicles[2].colour". encoding/json stops at the first
// unknown field and names only its leaf; a user fixing a form wants them all.
func unknownFields(v any, t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	switch x := v.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return nil // a type mismatch; the decoder names it
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, ok := lookupField(fields, k)
			if !ok {
				out = append(out, join(prefix, k))
				continue
			}
			out = append(out, unknownFields(x[k], ft, join(prefix, k))...)
		}
	case []any:
		if t.Kind() != reflect.Slice {
			return nil
		}
		for i, e := range x {
			out = append(out, unknownFields(e, t.Elem(), prefix+"["+strconv.Itoa(i)+"]")...)
		}
	}
	return out
}

// jsonFields maps the JSON names of a struct's fields, embedded structs
// included, to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// lookupField matches a key to a field by its JSON name exactly. encoding/json
// would also match it ignoring letter case; a body is refused before that
// (unknownFields), so that "EXERCISE_NAME" is named as unknown rather than
// read as exercise_name on a create and dropped by a merge patch.
func lookupField(fields map[string]reflect.Type, key string) (reflect.Type, bool) {
	t, ok := fields[key]
	return t, ok
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}
