package main

import (
	"runtime/debug"
)

// serverGCPercent is the garbage collector's target for the server: the heap
// may grow to five times what is live before a collection, instead of Go's
// default of twice. Every request allocates (JSON, SQL arguments), and at the
// default the collector took about an eighth of the CPU of a write; at 400
// the write rates rose by 10–20 % for about 200 MB more memory at 16 busy
// clients (docs/performance.md). An operator's GOGC takes precedence; a
// GOMEMLIMIT, which Go reads itself, caps the heap whatever the percentage.
const serverGCPercent = 400

// tuneGC sets serverGCPercent unless the environment sets GOGC, and returns
// the percentage in force (-1: GOGC=off). Reading it back means setting it:
// the collector is off for that instant, at start, before any request.
func tuneGC(getenv func(string) string) int {
	if v := getenv("GOGC"); v != "" {
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p
	}
	debug.SetGCPercent(serverGCPercent)
	return serverGCPercent
}
