package domain

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// genericOf is the direct way to jsonFields' map: it walks v by reflection
// and builds what encoding v as JSON and decoding it with UseNumber gives
// (objects as map[string]any, lists as []any, numbers as json.Number,
// strings, booleans, nil), without the JSON text in between. It follows
// encoding/json's rules for what it handles: struct fields by their json
// tags with omitempty, embedded structs' fields promoted, nil slices and
// maps as nil, integers in decimal, floats as encoding/json writes them,
// values with a MarshalJSON or MarshalText of their own through
// encoding/json itself. It reports false for anything else (an unusual
// tag, a name two fields share, a map with keys that are not strings,
// invalid UTF-8, …): then jsonFields takes the round trip, which stays the
// definition (TestGenericOfMatchesTheRoundTrip).
func genericOf(v reflect.Value) (any, bool) {
	if !v.IsValid() {
		return nil, true // a nil interface
	}
	how := handlingOf(v.Type())
	switch how.kind {
	case viaEncodingJSON:
		return viaRoundTrip(v)
	case floatText:
		return floatOf(v)
	case unsupported:
		return nil, false
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, true
		}
		return genericOf(v.Elem())
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return json.Number(strconv.FormatInt(v.Int(), 10)), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return json.Number(strconv.FormatUint(v.Uint(), 10)), true
	case reflect.String:
		return stringOf(v)
	case reflect.Slice:
		return listOf(v)
	case reflect.Map:
		return mapOf(v)
	case reflect.Struct:
		return structOf(v, how.fields)
	}
	return nil, false
}

// stringOf is a string, or a json.Number: "" encodes as 0, integers are
// kept, other numbers go through encoding/json, which checks them.
func stringOf(v reflect.Value) (any, bool) {
	s := v.String()
	if v.Type() == numberType {
		if s == "" {
			return json.Number("0"), true
		}
		if isInteger(s) {
			return json.Number(s), true
		}
		return viaRoundTrip(v) // which checks the number
	}
	return s, utf8.ValidString(s) // encoding/json would replace invalid bytes
}

func listOf(v reflect.Value) (any, bool) {
	if v.IsNil() {
		return nil, true
	}
	out := make([]any, v.Len())
	for i := range out {
		var ok bool
		if out[i], ok = genericOf(v.Index(i)); !ok {
			return nil, false
		}
	}
	return out, true
}

func mapOf(v reflect.Value) (any, bool) {
	if v.IsNil() {
		return nil, true
	}
	out := make(map[string]any, v.Len())
	for it := v.MapRange(); it.Next(); {
		k := it.Key().String()
		e, ok := genericOf(it.Value())
		if !ok || !utf8.ValidString(k) {
			return nil, false
		}
		out[k] = e
	}
	return out, true
}

func structOf(v reflect.Value, fields []fieldPlan) (any, bool) {
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		fv := v.FieldByIndex(f.index)
		if f.omitEmpty && emptyJSON(fv) {
			continue
		}
		e, ok := genericOf(fv)
		if !ok {
			return nil, false
		}
		out[f.name] = e
	}
	return out, true
}

// floatOf is a float as the number encoding/json writes for it, which is
// the json.Number decoding that text gives.
func floatOf(v reflect.Value) (any, bool) {
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return nil, false // NaN or an infinity: the round trip reports it
	}
	return json.Number(b), true
}

// viaRoundTrip is one value that encoding/json renders by itself (a
// MarshalJSON, a MarshalText): encoded and decoded as the whole round trip
// would.
func viaRoundTrip(v reflect.Value) (any, bool) {
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return nil, false // the round trip reports it
	}
	var out any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, false
	}
	return out, true
}

// emptyJSON is encoding/json's test for omitempty.
func emptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// isInteger reports whether s is a JSON integer: -?(0|[1-9][0-9]*).
func isInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" || s[0] == '0' && len(s) > 1 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// handling is how genericOf treats the values of one type, worked out once
// per type.
type handling struct {
	kind   handlingKind
	fields []fieldPlan // a struct's members, in encoding/json's order
}

type handlingKind int

const (
	direct          handlingKind = iota // genericOf's own switch
	viaEncodingJSON                     // viaRoundTrip
	floatText                           // floatOf
	unsupported                         // the whole value takes the round trip
)

// fieldPlan is one member of a struct's object: its key, where the field
// is (through embedded structs), and whether it is left out when empty.
type fieldPlan struct {
	name      string
	index     []int
	omitEmpty bool
}

var (
	numberType        = reflect.TypeFor[json.Number]()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	handlings         sync.Map // reflect.Type → handling
)

func handlingOf(t reflect.Type) handling {
	if h, ok := handlings.Load(t); ok {
		return h.(handling)
	}
	h := newHandling(t)
	handlings.Store(t, h)
	return h
}

func newHandling(t reflect.Type) handling {
	switch {
	case t.Implements(marshalerType) || t.Implements(textMarshalerType):
		return handling{kind: viaEncodingJSON}
	case reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType):
		// encoding/json calls a pointer method only on a value it can
		// address (in a slice, not in a map): too subtle to repeat.
		return handling{kind: unsupported}
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return handling{kind: floatText}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return handling{kind: unsupported} // []byte is base64
		}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return handling{kind: unsupported}
		}
	case reflect.Struct:
		fields, ok := structFields(t, nil)
		if !ok || !distinctNames(fields) {
			return handling{kind: unsupported}
		}
		return handling{kind: direct, fields: fields}
	case reflect.Array, reflect.Complex64, reflect.Complex128, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return handling{kind: unsupported}
	}
	return handling{kind: direct}
}

// structFields lists t's members as encoding/json does for the simple
// cases: exported fields by their tag's name (or the field's), embedded
// structs without a tag flattened into their parent. A tag option other
// than omitempty, a name encoding/json would not take, or an embedded
// pointer reports false.
func structFields(t reflect.Type, at []int) ([]fieldPlan, bool) {
	var out []fieldPlan
	for i := range t.NumField() {
		f := t.Field(i)
		index := append(append([]int(nil), at...), i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if opts != "" && opts != "omitempty" || name != "" && !plainName(name) {
			return nil, false
		}
		if f.Anonymous && !f.IsExported() && name != "" {
			return nil, false // encoding/json would write it; too odd to repeat
		}
		if f.Anonymous && name == "" {
			if f.Type.Kind() != reflect.Struct {
				return nil, false
			}
			inner, ok := structFields(f.Type, index)
			if !ok {
				return nil, false
			}
			out = append(out, inner...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, fieldPlan{name: name, index: index, omitEmpty: opts == "omitempty"})
	}
	return out, true
}

// plainName is a key of letters, digits and underscores, which
// encoding/json takes as the tag says.
func plainName(s string) bool {
	for _, c := range s {
		if c != '_' && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// distinctNames: two members with one name would need encoding/json's
// rules of which one wins.
func distinctNames(fields []fieldPlan) bool {
	seen := make(map[string]bool, len(fields))
	for _, f := range fields {
		if seen[f.name] {
			return false
		}
		seen[f.name] = true
	}
	return true
}
