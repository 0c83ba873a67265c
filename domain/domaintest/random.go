package domaintest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"time"
)

// Random values for tests that compare two encoders over many inputs (the
// canonical audit bytes, the audit data's maps): strings with every kind
// of character an encoder must escape, numbers at the edges of float64 and
// int64, lists and maps nil, empty or full.

// AwkwardStrings are strings an encoder must get right: HTML characters,
// escapes, control characters, U+2028/2029, invalid UTF-8's replacement,
// characters outside the BMP.
var AwkwardStrings = []string{"", "plain", "<a> & \"b\"", "back\\slash", "tab\tnew\nline\r", "\x00\x1f", "\b\f",
	"\u2028\u2029", "åäö ✓ 😀", "\u007f", "\ufffd", "日本語", "</script>", "a/b"}

// AwkwardNumbers are JSON numbers as decoded with UseNumber: huge, tiny,
// exponents, and the empty one.
var AwkwardNumbers = []json.Number{"0", "-1", "12345678901234567890", "-98765432109876543210", "1.5", "-0.25e-7", "6E+23", ""}

// RandomString is one of AwkwardStrings with a number after it.
func RandomString(rng *rand.Rand, n int) string {
	return AwkwardStrings[rng.IntN(len(AwkwardStrings))] + fmt.Sprint(rng.IntN(n))
}

// RandomTime is an instant between 1880 and 2150 with nanoseconds, in one
// of a few zones.
func RandomTime(rng *rand.Rand) time.Time {
	zones := []*time.Location{time.UTC, time.FixedZone("CET", 3600), time.FixedZone("odd", -(3*3600 + 1800))}
	return time.Unix(rng.Int64N(1<<33)-1<<32, rng.Int64N(1e9)).In(zones[rng.IntN(len(zones))])
}

// RandomTyped is a random value of t: a struct's exported fields filled,
// lists nil, empty or of a few elements, pointers nil or set, maps and
// interfaces of random decoded values (RandomGeneric), numbers small,
// large and negative, times zero or random. depth bounds the nesting.
func RandomTyped(rng *rand.Rand, t reflect.Type, depth int) reflect.Value {
	v := reflect.New(t).Elem()
	if t == timeType {
		if rng.IntN(5) > 0 {
			v.Set(reflect.ValueOf(RandomTime(rng)))
		}
		return v
	}
	switch t.Kind() {
	case reflect.String:
		v.SetString(RandomString(rng, 100))
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt([]int64{0, 1, -7, 1 << 53, -1 << 62, rng.Int64()}[rng.IntN(6)])
	case reflect.Float64:
		v.SetFloat([]float64{0, 1.5, -3.25, 1e21, 1e-7, 123456.789, 12345678901234567}[rng.IntN(7)])
	case reflect.Struct:
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				v.Field(i).Set(RandomTyped(rng, t.Field(i).Type, depth))
			}
		}
	case reflect.Pointer:
		if rng.IntN(4) > 0 {
			v.Set(RandomTyped(rng, t.Elem(), depth).Addr())
		}
	case reflect.Slice:
		if n := rng.IntN(5) - 1; n >= 0 && depth > 0 {
			v.Set(reflect.MakeSlice(t, n, n))
			for i := range n {
				v.Index(i).Set(RandomTyped(rng, t.Elem(), depth-1))
			}
		}
	case reflect.Map:
		if rng.IntN(4) > 0 && depth > 0 {
			v.Set(reflect.MakeMap(t))
			for range rng.IntN(5) {
				v.SetMapIndex(reflect.ValueOf(RandomString(rng, 10)), RandomTyped(rng, t.Elem(), depth-1))
			}
		}
	case reflect.Interface:
		if g := RandomGeneric(rng, depth); g != nil {
			v.Set(reflect.ValueOf(g))
		}
	default:
		panic(fmt.Sprintf("RandomTyped: cannot fill a %s", t))
	}
	return v
}

// RandomGeneric is a random value in decoded form (UseNumber), as the maps
// of request.updated's and framework.updated's changes hold.
func RandomGeneric(rng *rand.Rand, depth int) any {
	n := rng.IntN(10)
	if depth == 0 {
		n = rng.IntN(7)
	}
	switch n {
	case 0:
		return nil
	case 1:
		return rng.IntN(2) == 0
	case 2:
		return json.Number(fmt.Sprint(rng.Int64N(1<<62) - 1<<61))
	case 3:
		return int64(rng.Uint64() >> 1)
	case 4:
		return AwkwardNumbers[rng.IntN(len(AwkwardNumbers))]
	case 5, 6:
		return RandomString(rng, 100)
	case 7:
		if rng.IntN(5) == 0 {
			return []any(nil)
		}
		out := make([]any, rng.IntN(4))
		for i := range out {
			out[i] = RandomGeneric(rng, depth-1)
		}
		return out
	default:
		if rng.IntN(5) == 0 {
			return map[string]any(nil)
		}
		out := map[string]any{}
		for range rng.IntN(6) {
			out[RandomString(rng, 10)] = RandomGeneric(rng, depth-1)
		}
		return out
	}
}
