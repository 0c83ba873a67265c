package api

import (
	"encoding"
	"encoding/json"
	"math"
	"reflect"
	"strconv"

	"exaccess/domain"
)

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// typeErrors walks decoded JSON against the Go type it is meant for and
// returns every member whose JSON type does not fit, like
// "personnel.military" or "vehicles[2].count": encoding/json stops at the
// first, and a user fixing a form wants them all. Types that decode
// themselves (dates, enums with UnmarshalJSON) are left to the decoder, and
// unknown members to unknownFields.
func typeErrors(v any, t reflect.Type, prefix string) []domain.FieldError {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil || decodesItself(t) {
		return nil // null fits anything; the decoder judges the rest
	}
	field := prefix
	if field == "" {
		field = "body"
	}
	if msg, ok := misfit(v, t); !ok {
		return []domain.FieldError{{Field: field, Message: "must be " + msg}}
	}
	var out []domain.FieldError
	switch x := v.(type) {
	case map[string]any:
		if t.Kind() == reflect.Map {
			for _, k := range sortedKeys(x) {
				out = append(out, typeErrors(x[k], t.Elem(), join(prefix, k))...)
			}
			return out
		}
		fields := jsonFields(t)
		for _, k := range sortedKeys(x) {
			if ft, ok := lookupField(fields, k); ok {
				out = append(out, typeErrors(x[k], ft, join(prefix, k))...)
			}
		}
	case []any:
		for i, e := range x {
			out = append(out, typeErrors(e, t.Elem(), prefix+"["+strconv.Itoa(i)+"]")...)
		}
	}
	return out
}

func decodesItself(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Kind() == reflect.Interface || pt.Implements(jsonUnmarshaler) || pt.Implements(textUnmarshaler)
}

// misfit reports whether the JSON value v fits the Go type t; when it does
// not, it says what was expected.
func misfit(v any, t reflect.Type) (string, bool) {
	want := jsonKind(t.Kind().String())
	switch x := v.(type) {
	case string:
		return want, t.Kind() == reflect.String
	case bool:
		return want, t.Kind() == reflect.Bool
	case float64:
		return want, fitsNumber(x, t)
	case []any:
		return want, t.Kind() == reflect.Slice || t.Kind() == reflect.Array
	case map[string]any:
		return want, t.Kind() == reflect.Struct || t.Kind() == reflect.Map
	}
	return want, true
}

// fitsNumber reports whether n decodes into t: a float kind, or an integer
// kind that holds n exactly.
func fitsNumber(n float64, t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return n == math.Trunc(n) && !reflect.Zero(t).OverflowInt(int64(n)) && math.Abs(n) < 1<<63
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return n == math.Trunc(n) && n >= 0 && n < 1<<64 && !reflect.Zero(t).OverflowUint(uint64(n))
	}
	return false
}
