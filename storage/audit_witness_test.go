package storage_test

import (
	"context"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/domain"
	"exaccess/storage"
)

// A new signing key is recorded once, with its rotation entry, however many
// processes record it at once; the first key of a log is recorded alone.
func TestRecordSigningKeyOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if ok, err := db.RecordSigningKey(ctx, "k1", nil); !ok || err != nil {
			t.Fatalf("first key: %v, %v", ok, err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		recorded := 0
		for range 4 {
			wg.Go(func() {
				e := &domain.AuditEntry{At: fixedNow, Actor: "system", Action: domain.AuditKeyRotated,
					Data: map[string]any{"verifier_key": "k2", "previous_verifier_key": "k1"}}
				ok, err := db.RecordSigningKey(ctx, "k2", e)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					recorded++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		page, err := db.AuditEvents(ctx, domain.AuditFilter{Action: domain.AuditKeyRotated, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		keys, err := db.SigningKeys(ctx)
		if recorded != 1 || len(page.Items) != 1 || err != nil || len(keys) != 2 || keys[0] != "k1" || keys[1] != "k2" {
			t.Errorf("recorded %d times, %d entries, keys %v (%v)", recorded, len(page.Items), keys, err)
		}
	})
}

// Cosignatures are kept per witness and size, returned with their
// checkpoints, and say which size a witness last cosigned.
func TestCosignaturesKept(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, err := db.LatestAuditCheckpoint(ctx); err == nil {
			t.Fatal("a checkpoint on an empty database")
		}
		for _, n := range []int64{3, 5} {
			if err := db.SaveAuditCheckpoint(ctx, n, tlog.Hash{byte(n)}, "note", fixedNow); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := db.LastCosignedSize(ctx, "w1"); n != 0 || err != nil {
			t.Fatalf("before any cosignature: %d, %v", n, err)
		}
		for _, c := range []struct {
			w    string
			size int64
		}{{"w1", 3}, {"w1", 5}, {"w2", 3}, {"w1", 5}} {
			if err := db.SaveCosignature(ctx, c.w, c.size, "— "+c.w+" sig", fixedNow); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := db.LastCosignedSize(ctx, "w1"); n != 5 || err != nil {
			t.Errorf("w1 last cosigned %d, %v", n, err)
		}
		latest, err := db.LatestAuditCheckpoint(ctx)
		if err != nil || latest.Size != 5 || len(latest.Cosignatures) != 1 {
			t.Errorf("latest %+v, %v", latest, err)
		}
		all, err := db.AuditCheckpoints(ctx, -1, 10)
		if err != nil || len(all) != 2 || len(all[0].Cosignatures) != 2 || all[0].Root != (domain.AuditHash{3}) {
			t.Errorf("history %+v, %v", all, err)
		}
		if err := db.SaveCosignature(ctx, "w1", 4, "— w1 sig", fixedNow); err == nil {
			t.Error("a cosignature of a checkpoint that was never kept")
		}
	})
}

// TakeKey hands the material over and deletes it in one transaction; a
// failure to keep it leaves it in place.
func TestTakeKey(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, err := db.GetOrCreateKey(ctx, "old", func() ([]byte, error) { return []byte("secret"), nil }); err != nil {
			t.Fatal(err)
		}
		if err := db.TakeKey(ctx, "old", func([]byte) error { return context.Canceled }); err != context.Canceled {
			t.Fatalf("a failed keep: %v", err)
		}
		var got []byte
		if err := db.TakeKey(ctx, "old", func(m []byte) error { got = m; return nil }); err != nil || string(got) != "secret" {
			t.Fatalf("take: %q, %v", got, err)
		}
		wantCode(t, db.TakeKey(ctx, "old", func([]byte) error { return nil }), domain.CodeNotFound)
	})
}
