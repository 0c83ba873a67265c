package storage

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
)

// The committer counts every call it ran and every shared transaction, its
// busy time, and on Linux its thread's CPU time, which burns while a call
// computes: a call that spins for 20 ms shows in both.
func TestWriterStatsCountCallsAndCPU(t *testing.T) {
	db := openMigrated(t)
	ctx := context.Background()
	before, ok := db.WriterStats()
	if !ok {
		t.Fatal("SQLite has no writer stats")
	}
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- db.InTx(ctx, func(tx domain.Tx) error {
				return tx.CreateRequest(draftRequest(fmt.Sprintf("ws-%d", i), "stats"))
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	spin := 20 * time.Millisecond
	if err := db.InTx(ctx, func(domain.Tx) error {
		for start := time.Now(); time.Since(start) < spin; {
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	d := mustWriterStats(t, db).Sub(before)
	if d.Calls != n+1 {
		t.Errorf("calls %d, want %d", d.Calls, n+1)
	}
	if d.Batches < 2 || d.Batches > d.Calls {
		t.Errorf("%d shared transactions for %d calls", d.Batches, d.Calls)
	}
	if d.Busy < spin {
		t.Errorf("busy %v, less than the %v one call spun", d.Busy, spin)
	}
	if runtime.GOOS != "linux" {
		if d.HasCPU {
			t.Errorf("CPU time %v off Linux", d.CPU)
		}
		return
	}
	// Spinning on a loaded machine can be descheduled, so the CPU time is
	// only bounded by the wall time measured around it, not equal to it.
	if !d.HasCPU || d.CPU <= 0 || d.CPU > d.Busy {
		t.Errorf("CPU %v (known %v) for %v busy", d.CPU, d.HasCPU, d.Busy)
	}
}

func mustWriterStats(t *testing.T, db *DB) WriterStats {
	t.Helper()
	s, ok := db.WriterStats()
	if !ok {
		t.Fatal("no writer stats")
	}
	return s
}
