//go:build !linux

package storage

import "time"

// threadCPU is unknown off Linux: WriterStats then has no CPU time.
func threadCPU() (time.Duration, bool) { return 0, false }
