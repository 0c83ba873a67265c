package domain

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"exaccess/domain/domaintest"
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
			v := domaintest.RandomTyped(rng, typ, 4).Interface()
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
