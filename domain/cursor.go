package domain

import (
	"strings"
	"time"
)

// MaxCursorPart is the longest id a paging cursor may hold.
const MaxCursorPart = 64

// CursorPart reports whether s may be an id inside a paging cursor or a
// console's page parameter: at most MaxCursorPart visible ASCII characters
// (the caller decides whether an empty one means "the first page").
func CursorPart(s string) bool {
	return len(s) <= MaxCursorPart && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x21 || r > 0x7e })
}

// CursorTime reads a time inside a paging cursor: RFC 3339 with a year
// from 1 to 9999, the only times this server writes there.
func CursorTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.UTC().Year() < 1 || t.UTC().Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}
