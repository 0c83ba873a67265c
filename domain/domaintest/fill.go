// Package domaintest helps tests of every layer check that no field of a
// domain value is lost on its way through a converter.
package domaintest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// Fill sets every field of the value ptr points to, however deep, to a
// value that is not the zero value and differs from every other field's:
// strings "f1", "f2", …; numbers 1, 2, … (floats with a fraction); booleans
// true; times distinct UTC midnights (a date and an instant alike); every
// slice gets two elements. A converter that forgets a field then loses a
// value a comparison sees.
func Fill(ptr any) {
	n := 0
	fill(reflect.ValueOf(ptr).Elem(), &n)
}

var timeType = reflect.TypeFor[time.Time]()

func fill(v reflect.Value, n *int) {
	*n++
	switch {
	case v.Type() == timeType:
		v.Set(reflect.ValueOf(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, *n)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("f%d", *n))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(*n) + 0.5)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), n)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	default:
		panic(fmt.Sprintf("domaintest.Fill: cannot fill a %s", v.Type()))
	}
}

// NoZeroLeaves fails t for every member of a decoded JSON document (maps,
// lists, strings, numbers, booleans) that is empty, zero, false or null:
// after Fill, such a member is a field some converter did not carry.
func NoZeroLeaves(t testing.TB, what string, doc any) {
	t.Helper()
	for _, path := range zeroLeaves(doc, "") {
		t.Errorf("%s: %s is empty: a converter does not carry it", what, path)
	}
}

func zeroLeaves(v any, path string) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return []string{path}
		}
		for k, e := range x {
			out = append(out, zeroLeaves(e, strings.TrimPrefix(path+"."+k, "."))...)
		}
	case []any:
		if len(x) == 0 {
			return []string{path}
		}
		for i, e := range x {
			out = append(out, zeroLeaves(e, fmt.Sprintf("%s[%d]", path, i))...)
		}
	default:
		if v == nil || reflect.ValueOf(v).IsZero() || fmt.Sprint(v) == "0" {
			return []string{path}
		}
	}
	return out
}

// Diff names the members in which a and b differ, as paths like
// "Unit.Commander" or "movements[1].at", after encoding both as JSON (so Go
// values are compared by their field names, JSON documents by their keys).
func Diff(a, b any) []string {
	return diffValues(generic(a), generic(b), "")
}

func generic(v any) any {
	raw, ok := v.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(v); err != nil {
			panic(err)
		}
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(err)
	}
	return out
}

func diffValues(a, b any, path string) []string {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		var out []string
		for k := range union(am, bm) {
			out = append(out, diffValues(am[k], bm[k], strings.TrimPrefix(path+"."+k, "."))...)
		}
		sort.Strings(out)
		return out
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		var out []string
		for i := range al {
			out = append(out, diffValues(al[i], bl[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	}
	if reflect.DeepEqual(a, b) {
		return nil
	}
	return []string{fmt.Sprintf("%s: %v ≠ %v", path, a, b)}
}

func union(a, b map[string]any) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
