package storage

import (
	"syscall"
	"time"
	"unsafe"
)

// CPU clocks of linux/time.h, which the syscall package does not name.
const (
	clockProcessCPUTime = 2
	clockThreadCPUTime  = 3
)

// threadCPU is the CPU time the calling thread has used, to the
// nanosecond: the scheduler's count including the slice running now
// (getrusage would leave that out until the next tick).
func threadCPU() (time.Duration, bool) { return cpuClock(clockThreadCPUTime) }

// processCPU is the CPU time all of this process's threads have used.
func processCPU() (time.Duration, bool) { return cpuClock(clockProcessCPUTime) }

func cpuClock(id uintptr) (time.Duration, bool) {
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, id, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
