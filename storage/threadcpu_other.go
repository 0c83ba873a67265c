//go:build !linux

package storage

import "time"

// The CPU clocks are unknown off Linux: WriterStats and ReplayResult then
// have no CPU time.
func threadCPU() (time.Duration, bool)  { return 0, false }
func processCPU() (time.Duration, bool) { return 0, false }
