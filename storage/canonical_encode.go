package storage

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendCanonical appends the canonical JSON of v when v holds only what
// decoding JSON with UseNumber yields (maps of strings to values, lists,
// strings, json.Number, booleans, nil) plus int and int64: keys sorted, no
// insignificant white space, strings escaped exactly as encoding/json
// escapes them without HTML escaping. These are the bytes the round trip
// (canonicalRoundTrip) gives, written directly, without reflection and
// without its two intermediate documents: every audit entry is encoded
// this way, on the writer. It reports false, leaving the caller to take
// the round trip, for anything else, and for what the round trip changes
// or refuses (invalid UTF-8, which it replaces; an invalid json.Number,
// which it refuses): TestAppendCanonicalMatchesRoundTrip.
func appendCanonical(dst []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case bool:
		return strconv.AppendBool(dst, x), true
	case string:
		return appendJSONString(dst, x)
	case json.Number:
		return appendNumber(dst, x)
	case int:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int64:
		return strconv.AppendInt(dst, x, 10), true
	case []any:
		return appendList(dst, x)
	case map[string]any:
		return appendObject(dst, x)
	}
	return dst, false
}

func appendList(dst []byte, xs []any) ([]byte, bool) {
	if xs == nil {
		return append(dst, "null"...), true // as encoding/json writes a nil slice
	}
	dst = append(dst, '[')
	for i, x := range xs {
		if i > 0 {
			dst = append(dst, ',')
		}
		var ok bool
		if dst, ok = appendCanonical(dst, x); !ok {
			return dst, false
		}
	}
	return append(dst, ']'), true
}

// appendObject writes m's members in the order of their keys' bytes, the
// order encoding/json sorts map keys in.
func appendObject(dst []byte, m map[string]any) ([]byte, bool) {
	if m == nil {
		return append(dst, "null"...), true // as encoding/json writes a nil map
	}
	var stack [16]string // the keys of an audit entry's objects, without a heap allocation
	keys := stack[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		var ok bool
		if dst, ok = appendJSONString(dst, k); !ok {
			return dst, false
		}
		dst = append(dst, ':')
		if dst, ok = appendCanonical(dst, m[k]); !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// appendNumber writes n verbatim, "" as 0 (encoding/json's habit); it
// reports false for text that is not a JSON number, which encoding/json
// refuses with an error the round trip returns.
func appendNumber(dst []byte, n json.Number) ([]byte, bool) {
	if n == "" {
		return append(dst, '0'), true
	}
	if !validNumber(string(n)) {
		return dst, false
	}
	return append(dst, n...), true
}

// appendJSONString writes s quoted and escaped as encoding/json does
// without HTML escaping: \" \\ \b \f \n \r \t, the other bytes below 0x20
// as \u00XX, U+2028 and U+2029 as \u2028 and \u2029, everything else
// verbatim. It reports false for invalid UTF-8, which encoding/json
// replaces with U+FFFD: the round trip then gives other bytes than one
// encoding would.
func appendJSONString(dst []byte, s string) ([]byte, bool) {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			return dst, false
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			start = i + size
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"'), true
}

// validNumber is encoding/json's grammar of a number literal (RFC 8259,
// section 6): -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(s string) bool {
	s, _ = cutByte(s, '-')
	switch {
	case s == "":
		return false
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = skipDigits(s)
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && isDigit(s[1]) {
		s = skipDigits(s[1:])
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
		}
		if s == "" {
			return false
		}
		s = skipDigits(s)
	}
	return s == ""
}

func cutByte(s string, b byte) (string, bool) {
	if s != "" && s[0] == b {
		return s[1:], true
	}
	return s, false
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func skipDigits(s string) string {
	for s != "" && isDigit(s[0]) {
		s = s[1:]
	}
	return s
}
