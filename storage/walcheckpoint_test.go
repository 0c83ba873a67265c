package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage/storagetest"
)

// The writer no longer checkpoints small amounts of log itself (its
// threshold is 4,096 pages), so the pages written below reach the database
// file only through the background checkpointer: the file grows while the
// server does nothing. The deadline is generous (the checkpointer runs every
// 100 ms); the test fails only if it never runs.
func TestWALCheckpointedInBackground(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ckpt.db")
	db := storagetest.Open(t, path)
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	time.Sleep(300 * time.Millisecond) // let the checkpointer copy what migrating wrote
	before := size()
	big := make([]byte, 2000)
	for i := range big {
		big[i] = 'a' + byte(i%26)
	}
	for i := range 200 { // about 400 KB of entries: ~100 pages, far below the writer's threshold
		err := db.InTx(context.Background(), func(tx domain.Tx) error {
			return tx.AppendAudit(&domain.AuditEntry{At: fixedNow, Actor: "t", Action: "test",
				Data: map[string]any{"i": i, "pad": string(big)}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes: the WAL was not checkpointed in the background", before)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
