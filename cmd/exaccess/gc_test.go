package main

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC: the server raises the collector's target unless the
// operator set GOGC, whose value Go has already applied.
func TestTuneGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	if got := tuneGC(func(string) string { return "" }); got != serverGCPercent || debug.SetGCPercent(100) != serverGCPercent {
		t.Fatalf("without GOGC: %d, want %d in force", got, serverGCPercent)
	}
	debug.SetGCPercent(150) // as Go would have applied GOGC=150 at start
	env := map[string]string{"GOGC": "150"}
	if got := tuneGC(func(k string) string { return env[k] }); got != 150 || debug.SetGCPercent(100) != 150 {
		t.Fatalf("with GOGC=150: %d, want the operator's 150 kept", got)
	}
}
