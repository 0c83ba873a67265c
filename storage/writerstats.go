package storage

import (
	"runtime"
	"sync/atomic"
	"time"
)

// WriterStats is what the SQLite committer (groupcommit.go) has done since
// the database opened: the shared transactions it ran, the callers' calls
// in them, the wall time it spent running them and, where the platform
// tells a thread's CPU time (Linux), the CPU time its thread used for them.
// The CPU time is the figure that does not move with the disk or with
// other load on the machine: what one change costs the one writer.
type WriterStats struct {
	Batches int64
	Calls   int64
	Busy    time.Duration
	CPU     time.Duration
	HasCPU  bool
}

// Sub is s minus an earlier reading: what happened in between.
func (s WriterStats) Sub(earlier WriterStats) WriterStats {
	return WriterStats{Batches: s.Batches - earlier.Batches, Calls: s.Calls - earlier.Calls,
		Busy: s.Busy - earlier.Busy, CPU: s.CPU - earlier.CPU, HasCPU: s.HasCPU && earlier.HasCPU}
}

// WriterStats reads the committer's counters; false on PostgreSQL, which
// has no committer.
func (d *DB) WriterStats() (WriterStats, bool) {
	if d.batch == nil {
		return WriterStats{}, false
	}
	return d.batch.stats.read(), true
}

// writerCounters are the committer's running totals, written by its
// goroutine after each batch and read by anyone.
type writerCounters struct {
	batches, calls, busy, cpu atomic.Int64
	hasCPU                    atomic.Bool // the thread's CPU time can be read: set once at the start
}

func (w *writerCounters) read() WriterStats {
	return WriterStats{Batches: w.batches.Load(), Calls: w.calls.Load(), Busy: time.Duration(w.busy.Load()),
		CPU: time.Duration(w.cpu.Load()), HasCPU: w.hasCPU.Load()}
}

// measure runs one batch of calls and adds it to the totals. The batch runs with the committer's goroutine locked to its
// OS thread, so that the thread's CPU time over it is the batch's. Between
// batches it is not: kept locked, a committer that waits for callers pays
// a thread hand-off at every wake-up (create, which leaves it idle a fifth
// of the time, ran 10-25 % slower so on a RAM disk).
func (w *writerCounters) measure(calls int, batch func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := time.Now()
	cpu0, ok0 := threadCPU()
	batch()
	cpu1, ok1 := threadCPU()
	w.busy.Add(int64(time.Since(start)))
	if ok0 && ok1 {
		w.cpu.Add(int64(cpu1 - cpu0))
	}
	w.batches.Add(1)
	w.calls.Add(int64(calls))
}
