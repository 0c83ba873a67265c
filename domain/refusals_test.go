package domain

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestTriedID: the id of a missing request is kept cut to MaxTriedID
// characters and without a character that could change how the audit log
// reads (a bidirectional control, a line break, NUL, an invisible one):
// each is U+FFFD, so the entry shows that something was there.
func TestTriedID(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SE-2026-EXA-000001", "SE-2026-EXA-000001"},
		{"x\u202Ey\n", "x\uFFFDy\uFFFD"},
		{"SE-2026-EXA-000001\u202E\nexport by admin", "SE-2026-EXA-000001\uFFFD\uFFFDexport by admin"},
		{"a\x00b\rc\td\u0085e\u2028f\u2029g\u200Bh\u2066i\uFEFFj\x7f", "a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFDg\uFFFDh\uFFFDi\uFFFDj\uFFFD"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"bücher-ÅÄÖ", "bücher-ÅÄÖ"},
		{strings.Repeat("é", MaxTriedID+10), strings.Repeat("é", MaxTriedID)},
	} {
		got := triedID(c.in)
		if got != c.want {
			t.Errorf("triedID(%q) = %q, want %q", c.in, got, c.want)
		}
		if !utf8.ValidString(got) || strings.ContainsFunc(got, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
			t.Errorf("triedID(%q) = %q keeps a control or format character", c.in, got)
		}
	}
}
