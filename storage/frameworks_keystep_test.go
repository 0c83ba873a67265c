package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// The after-Migrate step (keyFrameworkReferences) against what a binary
// older than migration 0030, still running beside a migrated one during a
// rolling upgrade, leaves behind.

// oldBinaryRename is what a binary older than 0030 (still running beside a
// migrated one) does when it changes a reference: its UpdateFramework
// writes the reference and leaves reference_key and dup_seq as they were.
func oldBinaryRename(t *testing.T, db *storage.DB, id, reference string) {
	t.Helper()
	if err := db.WriterForTest().Exec("UPDATE frameworks SET reference = ?, version = version + 1 WHERE id = ?", reference, id).Error; err != nil {
		t.Fatal(err)
	}
}

// TestFrameworkKeyStepStaleSlot: two renames by an older binary leave a
// stale key in the slot the step gives another row first (r2, renamed A →
// B, still holds (NO, a, 0) when r1, renamed C → A, wants it). The step
// must re-key both, not fail every start on the unique index.
func TestFrameworkKeyStepStaleSlot(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.Open(t, c.DSN)
			ref := mustRef(t, db)
			n := 0
			ids := func() string { n++; return testID(t, n) }
			fw := domain.NewFrameworkService(db, ref, func() time.Time { return fixedNow }, ids)
			r1, err := fw.Create(ctx, fwAdmin, agreementTerms("NO", "C"))
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond)
			r2, err := fw.Create(ctx, fwAdmin, agreementTerms("NO", "A"))
			if err != nil {
				t.Fatal(err)
			}
			if r1.ID > r2.ID {
				t.Fatalf("ids not ordered")
			}
			oldBinaryRename(t, db, r2.ID, "B") // r2 still holds (NO, a, 0)
			oldBinaryRename(t, db, r1.ID, "A") // r1 now wants (NO, a, 0)
			for i := 0; i < 2; i++ {
				if err := db.Migrate(ctx); err != nil {
					t.Fatalf("start %d: Migrate: %v", i+1, err)
				}
			}
			for _, id := range []string{r1.ID, r2.ID} {
				var got struct{ Reference, ReferenceKey string }
				db.WriterForTest().Raw("SELECT reference, reference_key FROM frameworks WHERE id = ?", id).Scan(&got)
				if got.ReferenceKey != domain.ReferenceKey(got.Reference) {
					t.Errorf("%s: reference %q keyed %q", id, got.Reference, got.ReferenceKey)
				}
			}
		})
	}
}

// holdStore holds each transaction open, its work done, until release.
type holdStore struct {
	*storage.DB
	entered, release chan struct{}
}

func (s holdStore) InTx(ctx context.Context, fn func(domain.Tx) error) error {
	return s.DB.InTx(ctx, func(tx domain.Tx) error {
		err := fn(tx)
		close(s.entered)
		<-s.release
		return err
	})
}

// TestFrameworkKeyStepLostUpdate (PostgreSQL, where transactions run side
// by side): a second server's step must not write a key computed from the
// reference it read over a rename a running server commits meanwhile; it
// reads the rows with their locks, so it waits and reads the rename.
func TestFrameworkKeyStepLostUpdate(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		if c.Name != storage.DialectPostgres {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.Open(t, c.DSN)
			ref := mustRef(t, db)
			clock := func() time.Time { return fixedNow }
			fw := domain.NewFrameworkService(db, ref, clock, uuid.NewString)
			r, err := fw.Create(ctx, fwAdmin, agreementTerms("NO", "A"))
			if err != nil {
				t.Fatal(err)
			}
			oldBinaryRename(t, db, r.ID, "B") // key stale: a
			cur, _ := db.GetFramework(ctx, r.ID)

			hs := holdStore{db, make(chan struct{}), make(chan struct{})}
			held := domain.NewFrameworkService(hs, ref, clock, uuid.NewString)
			done := make(chan error, 1)
			go func() {
				terms := cur.FrameworkTerms
				terms.Reference = "C"
				_, err := held.Update(ctx, fwAdmin, r.ID, cur.Version, terms)
				done <- err
			}()
			<-hs.entered
			// A second server starts: its Migrate's step reads r as "B" / key "a".
			db2, err := storage.Open(ctx, c.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			mig := make(chan error, 1)
			go func() { mig <- db2.Migrate(ctx) }()
			migErr, migDone := waitForALockWait(t, db, mig) // the step waits for r's row
			close(hs.release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if !migDone {
				migErr = <-mig
			}
			if migErr != nil {
				t.Fatal(migErr)
			}
			var got struct{ Reference, ReferenceKey string }
			db.WriterForTest().Raw("SELECT reference, reference_key FROM frameworks WHERE id = ?", r.ID).Scan(&got)
			if got.ReferenceKey != domain.ReferenceKey(got.Reference) {
				t.Errorf("after the step: reference %q, reference_key %q (want %q)", got.Reference, got.ReferenceKey, domain.ReferenceKey(got.Reference))
			}
			// Consequence: a new agreement "B" (no agreement has it) is refused by the index.
			if _, err := fw.Create(ctx, fwAdmin, agreementTerms("NO", "B")); err != nil {
				t.Errorf("create B (no agreement has B): %v", err)
			}
		})
	}
}
