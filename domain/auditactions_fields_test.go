package domain

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestGenericOfMatchesTheRoundTrip: for many random values of every
// registered audit data type (and of the details and framework documents
// the update entries are made of), jsonFields builds directly, and exactly,
// the map that encoding and decoding gives: same keys, same json.Number
// texts, nil lists and maps where they are null, empty ones where they are
// empty.
func TestGenericOfMatchesTheRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 2026))
	types := []reflect.Type{reflect.TypeFor[DetailsDoc](), reflect.TypeFor[FrameworkTermsData]()}
	for _, typ := range AuditDataTypes {
		types = append(types, typ)
	}
	for _, typ := range types {
		for i := range 500 {
			v := randomTyped(rng, typ, 4).Interface()
			g, ok := genericOf(reflect.ValueOf(v))
			if !ok {
				t.Fatalf("%s #%d: genericOf refused %#v", typ, i, v)
			}
			if want := jsonFieldsRoundTrip(v); !reflect.DeepEqual(g, want) {
				t.Fatalf("%s #%d: %#v\n direct %#v\n round trip %#v", typ, i, v, g, want)
			}
		}
	}
}

// oddInner has a MarshalJSON on its pointer only, which encoding/json uses
// where it can take the value's address (in a slice) and not elsewhere.
type oddInner struct{ A int }

func (o *oddInner) MarshalJSON() ([]byte, error) { return []byte(`"pointer"`), nil }

type oddText string

func (o oddText) MarshalText() ([]byte, error) { return []byte("text:" + o), nil }

type oddEmbedded struct{ B string }

type oddEmbedded2 struct{ B string }

type oddUnexported struct{ C int }

// TestJSONFieldsOfOddShapes: what genericOf hands to the round trip, or
// passes through encoding/json itself, comes out as the round trip makes it
// (or panics as it does).
func TestJSONFieldsOfOddShapes(t *testing.T) {
	at := time.Date(2027, 3, 4, 5, 6, 7, 8, time.FixedZone("CET", 3600))
	for i, v := range []any{
		struct {
			N int `json:"n,string"`
		}{5},
		struct {
			oddEmbedded
			B string
		}{oddEmbedded{"inner"}, "outer"},
		struct {
			oddEmbedded
			oddEmbedded2
		}{oddEmbedded{"one"}, oddEmbedded2{"two"}},
		struct{ L []oddInner }{[]oddInner{{1}}},
		struct{ P *oddInner }{&oddInner{2}},
		struct{ T oddText }{"x"},
		struct{ At time.Time }{at},
		struct{ B []byte }{[]byte("bytes")},
		struct{ M map[int]string }{map[int]string{2: "b", 1: "a"}},
		struct{ A [2]int }{[2]int{1, 2}},
		struct{ F float32 }{1.1},
		struct{ F float64 }{1e21},
		struct{ N json.Number }{"1.5e3"},
		struct{ N json.Number }{""},
		struct{ S string }{"bad \xff utf-8"},
		struct{ M map[string]int }{map[string]int{"k\xfe": 1, "k\xff": 2}},
		struct {
			oddUnexported
			D string `json:"-"`
			E string `json:"-,"`
			F string `json:",omitempty"`
			G string `json:"g-h"`
		}{oddUnexported{3}, "d", "e", "", "g"},
		struct {
			*oddEmbedded
		}{&oddEmbedded{"p"}},
		struct{ X any }{map[string]any{"y": []any{json.Number("01")}}},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got, gotPanic := fieldsOrPanic(jsonFields, v)
			want, wantPanic := fieldsOrPanic(jsonFieldsRoundTrip, v)
			if !reflect.DeepEqual(got, want) || (gotPanic == nil) != (wantPanic == nil) {
				t.Errorf("%#v:\n jsonFields %#v (panic %v)\n round trip %#v (panic %v)", v, got, gotPanic, want, wantPanic)
			}
		})
	}
}

func fieldsOrPanic(f func(any) map[string]any, v any) (out map[string]any, p any) {
	defer func() { p = recover() }()
	return f(v), nil
}

var awkwardStrings = []string{"", "plain", "<a> & \"b\"", "back\\slash", "tab\tnew\nline\r", "\x00\x1f", "\b\f",
	"\u2028\u2029", "åäö ✓ 😀", "\u007f", "\ufffd", "日本語", "</script>"}

// randomTyped is a random value of t: a struct's exported fields filled,
// lists nil, empty or of a few elements, pointers nil or set, maps and
// interfaces of random decoded values, numbers small, large and negative.
func randomTyped(rng *rand.Rand, t reflect.Type, depth int) reflect.Value {
	v := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.String:
		v.SetString(awkwardStrings[rng.IntN(len(awkwardStrings))] + fmt.Sprint(rng.IntN(100)))
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt([]int64{0, 1, -7, 1 << 53, -1 << 62, rng.Int64()}[rng.IntN(6)])
	case reflect.Float64:
		v.SetFloat([]float64{0, 1.5, -3.25, 1e21, 1e-7, 123456.789, 12345678901234567}[rng.IntN(7)])
	case reflect.Struct:
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				v.Field(i).Set(randomTyped(rng, t.Field(i).Type, depth))
			}
		}
	case reflect.Pointer:
		if rng.IntN(4) > 0 {
			v.Set(randomTyped(rng, t.Elem(), depth).Addr())
		}
	case reflect.Slice:
		if n := rng.IntN(5) - 1; n >= 0 && depth > 0 {
			v.Set(reflect.MakeSlice(t, n, n))
			for i := range n {
				v.Index(i).Set(randomTyped(rng, t.Elem(), depth-1))
			}
		}
	case reflect.Map:
		if rng.IntN(4) > 0 && depth > 0 {
			v.Set(reflect.MakeMap(t))
			for range rng.IntN(5) {
				k := awkwardStrings[rng.IntN(len(awkwardStrings))] + fmt.Sprint(rng.IntN(10))
				v.SetMapIndex(reflect.ValueOf(k), randomTyped(rng, t.Elem(), depth-1))
			}
		}
	case reflect.Interface:
		if g := randomGeneric(rng, depth); g != nil {
			v.Set(reflect.ValueOf(g))
		}
	default:
		panic(fmt.Sprintf("randomTyped: cannot fill a %s", t))
	}
	return v
}

// randomGeneric is a random value in decoded form, as the maps of
// request.updated's and framework.updated's changes hold.
func randomGeneric(rng *rand.Rand, depth int) any {
	n := rng.IntN(9)
	if depth == 0 {
		n = rng.IntN(6)
	}
	switch n {
	case 0:
		return nil
	case 1:
		return rng.IntN(2) == 0
	case 2:
		return []json.Number{"0", "-1", "12345678901234567890", "1.5", "-0.25e-7", "6E+23", ""}[rng.IntN(7)]
	case 3:
		return int64(rng.Uint64() >> 1)
	case 4, 5:
		return awkwardStrings[rng.IntN(len(awkwardStrings))] + fmt.Sprint(rng.IntN(100))
	case 6:
		if rng.IntN(5) == 0 {
			return []any(nil)
		}
		out := make([]any, rng.IntN(4))
		for i := range out {
			out[i] = randomGeneric(rng, depth-1)
		}
		return out
	default:
		if rng.IntN(5) == 0 {
			return map[string]any(nil)
		}
		out := map[string]any{}
		for range rng.IntN(6) {
			out[awkwardStrings[rng.IntN(len(awkwardStrings))]+fmt.Sprint(rng.IntN(10))] = randomGeneric(rng, depth-1)
		}
		return out
	}
}
