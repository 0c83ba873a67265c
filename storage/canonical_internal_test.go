package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

// The fast path of CanonicalJSON (one encoding of a generic value) gives
// exactly the bytes of the round trip, over random generic values with the
// strings that encoding treats specially; and values the fast path must not
// take (invalid UTF-8, floats, structs) are refused by generic.
func TestCanonicalJSONGenericFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 2026))
	for i := range 5000 {
		v := randomGeneric(rng, 4)
		if !generic(v) {
			t.Fatalf("case %d: generic refused %#v", i, v)
		}
		fast, err1 := encodeNoEscape(v)
		slow, err2 := canonicalRoundTrip(v)
		if err1 != nil || err2 != nil || !bytes.Equal(fast, slow) {
			t.Fatalf("case %d: fast %s (%v), round trip %s (%v)", i, fast, err1, slow, err2)
		}
	}
	for _, v := range []any{
		"bad \xff utf-8",
		map[string]any{"k\xfe": "v"},
		[]any{1.5},
		map[string]any{"n": float64(2)},
		struct{ A int }{1},
		map[string]string{"a": "b"},
	} {
		if generic(v) {
			t.Errorf("generic(%#v) = true; the round trip must handle it", v)
		}
		got, err := CanonicalJSON(v)
		want, _ := canonicalRoundTrip(v)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("CanonicalJSON(%#v) = %s, %v; want %s", v, got, err, want)
		}
	}
}

var awkwardStrings = []string{"", "plain", "<a> & \"b\"", "back\\slash", "tab\tnew\nline\r", "\x00\x1f",
	"\u2028\u2029", "åäö ✓ 😀", "\u007f", "\ufffd"}

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
		return json.Number(fmt.Sprint(rng.Int64N(1<<62) - 1<<61))
	case 3:
		return int64(rng.Uint64() >> 1)
	case 4, 5:
		return awkwardStrings[rng.IntN(len(awkwardStrings))] + fmt.Sprint(rng.IntN(100))
	case 6:
		out := make([]any, rng.IntN(4))
		for i := range out {
			out[i] = randomGeneric(rng, depth-1)
		}
		return out
	default:
		out := map[string]any{}
		for range rng.IntN(6) {
			out[awkwardStrings[rng.IntN(len(awkwardStrings))]+fmt.Sprint(rng.IntN(10))] = randomGeneric(rng, depth-1)
		}
		return out
	}
}
