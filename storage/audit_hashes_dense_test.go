package storage_test

import (
	"context"
	"strings"
	"testing"

	"exaccess/domain"
	"exaccess/storage"
)

// TestAuditHashesBackfillRefusesAGap: a log whose entries all have their
// hashes starts even with a gap (an entry deleted behind the triggers: the
// service keeps working, exports refuse); one whose entries need hashes
// (entries from before the hash table) is refused over a gap, naming the
// first missing index, and nothing is written.
func TestAuditHashesBackfillRefusesAGap(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		appendEntries(t, db, 5, func(int) domain.AuditEntry { return domain.AuditEntry{At: fixedNow, Actor: "a", Action: "test"} })
		if err := db.BackfillAuditHashes(ctx); err != nil {
			t.Fatalf("a whole log: %v", err)
		}
		w := db.WriterForTest()
		off := []string{"DROP TRIGGER audit_log_no_delete"}
		if db.Dialect() == storage.DialectPostgres {
			off = []string{"ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"}
		}
		for _, stmt := range append(off, "DELETE FROM audit_log WHERE idx = 2") {
			if err := w.Exec(stmt).Error; err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		if err := db.BackfillAuditHashes(ctx); err != nil {
			t.Errorf("entry 2 deleted, every hash stored: the start is refused: %v", err)
		}
		if err := w.Exec("DELETE FROM audit_log WHERE idx IN (0, 4)").Error; err != nil {
			t.Fatal(err)
		}
		if err := db.BackfillAuditHashes(ctx); err != nil {
			t.Errorf("entries 0, 2 and the last deleted, every hash stored: the start is refused: %v", err)
		}
		if err := w.Exec("INSERT INTO audit_log (idx, at, actor, action, entry) SELECT 4, at, actor, action, entry FROM audit_log WHERE idx = 1").Error; err != nil {
			t.Fatal(err)
		}

		// Entries without hashes, as before the hash table, with a gap.
		var hashes int64
		if err := w.Raw("SELECT COUNT(*) FROM audit_hashes").Scan(&hashes).Error; err != nil {
			t.Fatal(err)
		}
		for _, i := range []int64{6, 8} {
			e, _ := storage.EncodeAuditEntry(domain.AuditEntry{Index: i, At: fixedNow, Actor: "old", Action: "legacy"})
			if err := w.Exec("INSERT INTO audit_log (idx, at, actor, action, entry) VALUES (?, ?, 'old', 'legacy', ?)", i, fixedNow, e).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Exec("INSERT INTO audit_log (idx, at, actor, action, entry) SELECT 0, at, actor, action, entry FROM audit_log WHERE idx = 1").Error; err != nil {
			t.Fatal(err)
		}
		if err := w.Exec("INSERT INTO audit_log (idx, at, actor, action, entry) SELECT 2, at, actor, action, entry FROM audit_log WHERE idx = 1").Error; err != nil {
			t.Fatal(err)
		}
		err := db.BackfillAuditHashes(ctx)
		if err == nil || !strings.Contains(err.Error(), "7 entries but indexes up to 8: entry 5 is missing") ||
			!strings.Contains(err.Error(), "exaccess audit verify --db PATH --key VERIFIER_KEY_FILE") {
			t.Errorf("entries 5 and 7 missing: %v", err)
		}
		var after int64
		if err := w.Raw("SELECT COUNT(*) FROM audit_hashes").Scan(&after).Error; err != nil || after != hashes {
			t.Errorf("%d hashes after a refused backfill, %d before (%v)", after, hashes, err)
		}
	})
}
