package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/domain"

	"exaccess/domain/domaintest"
)

// The audit log's entries are hashed into a signed Merkle tree: a changed
// byte in how an entry is encoded breaks the verification of every log
// written before. The functions below are the encoders as they were before
// they wrote the bytes directly, kept here, frozen, as the reference the
// encoders in use are compared with.

// legacyCanonicalJSON is CanonicalJSON as it was: one encoding of a value
// already in decoded form, the round trip for anything else.
func legacyCanonicalJSON(v any) ([]byte, error) {
	if legacyGeneric(v) {
		return encodeNoEscape(v)
	}
	return canonicalRoundTrip(v)
}

func legacyGeneric(v any) bool {
	switch x := v.(type) {
	case nil, bool, json.Number, int, int64:
		return true
	case string:
		return utf8.ValidString(x)
	case []any:
		for _, e := range x {
			if !legacyGeneric(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for k, e := range x {
			if !utf8.ValidString(k) || !legacyGeneric(e) {
				return false
			}
		}
		return true
	}
	return false
}

// legacyEncodeAuditEntry is EncodeAuditEntry as it was: the entry as a map,
// through legacyCanonicalJSON.
func legacyEncodeAuditEntry(e domain.AuditEntry) ([]byte, error) {
	m := map[string]any{
		"index":  e.Index,
		"at":     e.At.UTC().Format(auditTimeLayout),
		"actor":  e.Actor,
		"action": e.Action,
		"data":   e.Data,
	}
	if e.Data == nil {
		m["data"] = map[string]any{}
	}
	if e.ActingFor != "" {
		m["acting_for"] = e.ActingFor
	}
	if e.RequestID != "" {
		m["request_id"] = e.RequestID
	}
	if e.RequestVersion != 0 {
		m["request_version"] = e.RequestVersion
	}
	return legacyCanonicalJSON(m)
}

// TestAppendCanonicalMatchesRoundTrip: over random values in decoded form,
// with the strings and numbers encoding/json treats specially,
// appendCanonical writes exactly the bytes of the round trip and of the
// encoder it replaced; the values it must not write (invalid UTF-8, floats,
// structs, invalid numbers) it refuses, and CanonicalJSON still gives the
// round trip's answer for them.
func TestAppendCanonicalMatchesRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 2026))
	for i := range 5000 {
		v := domaintest.RandomGeneric(rng, 4)
		got, ok := appendCanonical(nil, v)
		slow, err := canonicalRoundTrip(v)
		old, err2 := legacyCanonicalJSON(v)
		if !ok || err != nil || err2 != nil || !bytes.Equal(got, slow) || !bytes.Equal(got, old) {
			t.Fatalf("case %d: appendCanonical %s (%v), round trip %s (%v), legacy %s (%v)", i, got, ok, slow, err, old, err2)
		}
	}
	for _, v := range []any{
		"bad \xff utf-8",
		map[string]any{"k\xfe": "v"},
		[]any{1.5},
		map[string]any{"n": float64(2)},
		struct{ A int }{1},
		map[string]string{"a": "b"},
		json.Number("1.2.3"),
		map[string]any{"a": []any{json.Number("01")}},
	} {
		if _, ok := appendCanonical(nil, v); ok {
			t.Errorf("appendCanonical(%#v) wrote it; the round trip must handle it", v)
		}
		got, err := CanonicalJSON(v)
		want, wantErr := canonicalRoundTrip(v)
		if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Errorf("CanonicalJSON(%#v) = %s, %v; want %s, %v", v, got, err, want, wantErr)
		}
	}
}

// TestAppendJSONStringMatchesEncodingJSON: every character of the Basic
// Multilingual Plane and beyond, alone and in random strings, is escaped
// as encoding/json escapes it without HTML escaping; invalid UTF-8 is
// refused.
func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	check := func(s string) {
		t.Helper()
		got, ok := appendJSONString(nil, s)
		want, err := encodeNoEscape(s)
		if !ok || err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s (%v), encoding/json %s", s, got, ok, want)
		}
	}
	for r := rune(0); r <= 0x10ffff; r += 1 + rune(r/0x3000) {
		if utf8.ValidRune(r) {
			check(string(r))
		}
	}
	rng := rand.New(rand.NewPCG(3, 2026))
	pick := []rune{0, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1f, ' ', '"', '\\', '/', '<', '>', '&', 0x7f, 0x80, 0xe9, 0x2028, 0x2029, 0xfeff, 0xfffd, 0x1f600}
	for range 20000 {
		rs := make([]rune, rng.IntN(12))
		for i := range rs {
			if rng.IntN(3) == 0 {
				rs[i] = rune('a' + rng.IntN(26))
			} else {
				rs[i] = pick[rng.IntN(len(pick))]
			}
		}
		check(string(rs))
	}
	for _, s := range []string{"\xff", "a\xc3", "\xed\xa0\x80", "ok\xe2\x80"} {
		if _, ok := appendJSONString(nil, s); ok {
			t.Errorf("%q: invalid UTF-8 written", s)
		}
	}
}

// TestValidNumberMatchesEncodingJSON: validNumber accepts exactly the
// json.Number texts encoding/json accepts, over every string of up to four
// characters of the number grammar's alphabet and random longer ones.
func TestValidNumberMatchesEncodingJSON(t *testing.T) {
	const alphabet = "-+.eE019x "
	check := func(s string) {
		t.Helper()
		_, err := json.Marshal(json.Number(s))
		if s != "" && validNumber(s) != (err == nil) {
			t.Fatalf("%q: validNumber %v, encoding/json error %v", s, validNumber(s), err)
		}
	}
	var all func(prefix string, n int)
	all = func(prefix string, n int) {
		check(prefix)
		if n == 0 {
			return
		}
		for i := range len(alphabet) {
			all(prefix+alphabet[i:i+1], n-1)
		}
	}
	all("", 4)
	rng := rand.New(rand.NewPCG(5, 2026))
	for range 20000 {
		b := make([]byte, 5+rng.IntN(8))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet)-2)]
		}
		check(string(b))
	}
}

// TestEncodeAuditEntryMatchesTheMapsEncoding: for many generated entries
// of every registered action (data of the action's type with random
// contents: awkward strings, large numbers, nil, empty and full lists,
// nested maps) and around them random actors, ids, versions and times in
// any zone, EncodeAuditEntry gives exactly the bytes of the encoder it
// replaced; so do entries whose data or strings take the round trip
// (floats, structs, invalid UTF-8).
func TestEncodeAuditEntryMatchesTheMapsEncoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 2026))
	check := func(what string, e domain.AuditEntry) {
		t.Helper()
		got, err := EncodeAuditEntry(e)
		want, wantErr := legacyEncodeAuditEntry(e)
		if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Fatalf("%s: %+v\n got %s (%v)\nwant %s (%v)", what, e, got, err, want, wantErr)
		}
	}
	for action, typ := range domain.AuditDataTypes {
		for i := range 300 {
			e := randomEnvelope(rng)
			e.Action = action
			e.Data = domain.AuditFields(action, domaintest.RandomTyped(rng, typ, 4).Interface())
			check(fmt.Sprintf("%s #%d", action, i), e)
		}
	}
	odd := []any{1.5, "bad \xff", struct{ A string }{"<&>"}, []string{"x"}, json.Number("7")}
	for i := range 2000 {
		e := randomEnvelope(rng)
		e.Action = domaintest.AwkwardStrings[rng.IntN(len(domaintest.AwkwardStrings))]
		if m, ok := domaintest.RandomGeneric(rng, 3).(map[string]any); ok {
			e.Data = m
		}
		if i%4 == 0 {
			if e.Data == nil {
				e.Data = map[string]any{}
			}
			e.Data["odd"] = odd[rng.IntN(len(odd))]
		}
		if i%7 == 0 {
			e.Actor += "\xfe"
		}
		check(fmt.Sprintf("generic #%d", i), e)
	}
}

func randomEnvelope(rng *rand.Rand) domain.AuditEntry {
	str := func() string {
		if rng.IntN(3) == 0 {
			return ""
		}
		return domaintest.AwkwardStrings[rng.IntN(len(domaintest.AwkwardStrings))] + fmt.Sprint(rng.IntN(100))
	}
	zones := []*time.Location{time.UTC, time.FixedZone("CET", 3600), time.FixedZone("odd", -(3*3600 + 1800))}
	at := time.Unix(rng.Int64N(1<<35)-1<<33, rng.Int64N(1e9)).In(zones[rng.IntN(len(zones))])
	versions := []int{0, 1, 2, 1 << 40, -3}
	return domain.AuditEntry{Index: rng.Int64N(1 << 62), At: at, Actor: str(), ActingFor: str(),
		RequestID: str(), RequestVersion: versions[rng.IntN(len(versions))]}
}

// TestEncodeLeafIsTheRecordHash: the leaf hash encodeLeaf computes over its
// prefixed buffer is tlog's RecordHash of the entry it returns, which is
// EncodeAuditEntry's bytes.
func TestEncodeLeafIsTheRecordHash(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 2026))
	for i := range 200 {
		e := randomEnvelope(rng)
		e.Action = domain.AuditRequestRefused
		e.Data = domain.AuditFields(e.Action, domaintest.RandomTyped(rng, domain.AuditDataTypes[e.Action], 2).Interface())
		if i%3 == 0 {
			e.Actor += "\xff" // the round trip's path
		}
		entry, leaf, err := encodeLeaf(e)
		want, wantErr := EncodeAuditEntry(e)
		if err != nil || wantErr != nil || !bytes.Equal(entry, want) || leaf != tlog.RecordHash(want) {
			t.Fatalf("#%d: encodeLeaf %s %x (%v); want %s %x", i, entry, leaf, err, want, tlog.RecordHash(want))
		}
	}
}
