package domain

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestReferenceKey: two references have one key exactly when
// strings.EqualFold says they are the same once trimmed of the white
// space around them: every rune's key is a rune of its own case-fold
// class, the same for every rune of the class.
func TestReferenceKey(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		k := foldRune(r)
		if !strings.EqualFold(string(r), string(k)) {
			t.Fatalf("%U: key %U is not of its case-fold class", r, k)
		}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if foldRune(f) != k {
				t.Fatalf("%U and %U: keys %U and %U", r, f, k, foldRune(f))
			}
		}
	}
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"FA-U", "FA-U\t", true}, {"FA-U", "\u00a0fa-u\n", true}, {"ÅFD", "åfd", true},
		{"S-1", "ſ-1", true}, {"STRASSE", "straße", false}, {"FA 1", "FA  1", false}, {"İ-1", "i-1", false},
	} {
		if same := ReferenceKey(c.a) == ReferenceKey(c.b); same != c.same ||
			same != strings.EqualFold(strings.TrimSpace(c.a), strings.TrimSpace(c.b)) {
			t.Errorf("%q and %q: same %v, want %v", c.a, c.b, same, c.same)
		}
	}
	if k := ReferenceKey(" FA-NO-2026-01\t"); k != "fa-no-2026-01" {
		t.Errorf("key %q", k)
	}
}
