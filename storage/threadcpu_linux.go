package storage

import (
	"syscall"
	"time"
	"unsafe"
)

// clockThreadCPUTime is CLOCK_THREAD_CPUTIME_ID (linux/time.h), which the
// syscall package does not name.
const clockThreadCPUTime = 3

// threadCPU is the CPU time the calling thread has used, to the
// nanosecond: the scheduler's count including the slice running now
// (getrusage would leave that out until the next tick).
func threadCPU() (time.Duration, bool) {
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
