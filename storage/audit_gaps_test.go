package storage_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/domain"
	"exaccess/storage"
)

// deleteAudit deletes audit rows through the writer after switching off
// the append-only triggers, as an administrator at a SQL prompt could.
func deleteAudit(t *testing.T, db *storage.DB, stmts ...string) {
	t.Helper()
	off := []string{"DROP TRIGGER IF EXISTS audit_log_no_delete", "DROP TRIGGER IF EXISTS audit_hashes_no_delete"}
	if db.Dialect() == storage.DialectPostgres {
		off = []string{"ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
			"ALTER TABLE audit_hashes DISABLE TRIGGER audit_hashes_append_only"}
	}
	for _, s := range append(off, stmts...) {
		if err := db.WriterForTest().Exec(s).Error; err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestAuditExportRangeFindsDamage: the range an export will stream is
// checked before it is used (AuditIndexRange, which runs before the
// export's status line): a hash deleted in the middle of the tree is
// domain.AuditHashDamage naming that hash, when the export would read it.
// The leaf-hash stream names the missing hash too, not "incomplete".
func TestAuditExportRangeFindsDamage(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		appendEntries(t, db, 20, func(i int) domain.AuditEntry { return domain.AuditEntry{At: at(i), Actor: "a", Action: "test"} })
		if first, end, err := db.AuditIndexRange(ctx, nil, nil, 20); err != nil || first != 0 || end != 20 {
			t.Fatalf("a whole log: %d, %d, %v", first, end, err)
		}
		leaf := tlog.StoredHashIndex(0, 7)
		deleteAudit(t, db, "DELETE FROM audit_hashes WHERE id = "+strconv.FormatInt(leaf, 10))
		_, _, err := db.AuditIndexRange(ctx, nil, nil, 20)
		var damage *domain.AuditHashDamage
		if !errors.As(err, &damage) || damage.Index != leaf || damage.Entry != 7 || damage.What != "is missing" {
			t.Errorf("leaf hash of entry 7 deleted: %v", err)
		}
		err = db.StreamAuditLeafHashes(ctx, 0, 20, func(tlog.Hash) error { return nil })
		if !errors.As(err, &damage) || damage.Index != leaf {
			t.Errorf("leaf hash stream over entry 7's deleted hash: %v", err)
		}
		// A window from entry 10 streams neither entry 7 nor its hash, and
		// its trailer proves the subtree [0, 8) by the hash stored for it.
		from := at(10)
		if first, end, err := db.AuditIndexRange(ctx, &from, nil, 20); err != nil || first != 10 || end != 20 {
			t.Errorf("a window from entry 10: %d, %d, %v", first, end, err)
		}
		sub := tlog.StoredHashIndex(3, 0)
		deleteAudit(t, db, "DELETE FROM audit_hashes WHERE id = "+strconv.FormatInt(sub, 10))
		if _, _, err := db.AuditIndexRange(ctx, &from, nil, 20); !errors.As(err, &damage) || damage.Index != sub || damage.Level != 3 {
			t.Errorf("a window from entry 10, the hash of [0, 8) deleted: %v", err)
		}
	})
}

// TestAuditExportRangeFindsMissingEntries: an entry deleted at the end or
// in the middle of the log is found before an export streams the range.
func TestAuditExportRangeFindsMissingEntries(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		appendEntries(t, db, 20, func(int) domain.AuditEntry { return domain.AuditEntry{At: fixedNow, Actor: "a", Action: "test"} })
		deleteAudit(t, db, "DELETE FROM audit_log WHERE idx = 19")
		_, _, err := db.AuditIndexRange(ctx, nil, nil, 20)
		if !errors.Is(err, domain.ErrAuditHashDamaged) || !strings.Contains(err.Error(), "audit entry 19 is missing") {
			t.Errorf("the last entry deleted: %v", err)
		}
		deleteAudit(t, db, "DELETE FROM audit_log WHERE idx IN (9, 10)")
		_, _, err = db.AuditIndexRange(ctx, nil, nil, 20)
		if !errors.Is(err, domain.ErrAuditHashDamaged) || !strings.Contains(err.Error(), "audit entry 9 is missing") {
			t.Errorf("entries 9, 10 and 19 deleted: %v", err)
		}
	})
}

// TestAuditExportRangeFindsAnEdgeEntryMissing: a time window's range is
// found from the entries that are there, so an entry deleted at either edge
// of the window would narrow the range past it; the entries next to the
// range are checked too.
func TestAuditExportRangeFindsAnEdgeEntryMissing(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		appendEntries(t, db, 20, func(i int) domain.AuditEntry { return domain.AuditEntry{At: at(i), Actor: "a", Action: "test"} })
		deleteAudit(t, db, "DELETE FROM audit_log WHERE idx = 10")
		from, to := at(10), at(10)
		if _, _, err := db.AuditIndexRange(ctx, &from, nil, 20); !errors.Is(err, domain.ErrAuditHashDamaged) ||
			!strings.Contains(err.Error(), "audit entry 10 is missing") {
			t.Errorf("a window from entry 10, entry 10 deleted: %v", err)
		}
		if _, _, err := db.AuditIndexRange(ctx, nil, &to, 20); !errors.Is(err, domain.ErrAuditHashDamaged) ||
			!strings.Contains(err.Error(), "audit entry 10 is missing") {
			t.Errorf("a window up to entry 10, entry 10 deleted: %v", err)
		}
	})
}

// TestAuditExportRangeShortcut: the check's whole-table shortcut on SQLite
// (taken for large ranges) passes a whole log and finds the same damage.
func TestAuditExportRangeShortcut(t *testing.T) {
	defer storage.SetExportShortcutForTest(0)()
	t.Run("damage", TestAuditExportRangeFindsDamage)
	t.Run("entries", TestAuditExportRangeFindsMissingEntries)
	t.Run("edges", TestAuditExportRangeFindsAnEdgeEntryMissing)
	t.Run("gaps", TestCheckAuditGaps)
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		appendEntries(t, db, 20, func(i int) domain.AuditEntry { return domain.AuditEntry{At: at(i), Actor: "a", Action: "test"} })
		// Entries appended after the checkpoint's size leave the log whole.
		if first, end, err := db.AuditIndexRange(ctx, nil, nil, 12); err != nil || first != 0 || end != 12 {
			t.Fatalf("a whole log, checkpoint of 12: %d, %d, %v", first, end, err)
		}
		// A gap past the checkpoint's range is not this export's damage.
		deleteAudit(t, db, "DELETE FROM audit_log WHERE idx = 15")
		if first, end, err := db.AuditIndexRange(ctx, nil, nil, 12); err != nil || first != 0 || end != 12 {
			t.Errorf("entry 15 deleted, checkpoint of 12: %d, %d, %v", first, end, err)
		}
	})
}

// TestCheckAuditGaps: the background check's count of a range finds an
// entry deleted from it, naming the first missing one, and, with every
// entry there, a hash deleted from the hashes the range's entries stored,
// naming it; ranges beside the damage pass.
func TestCheckAuditGaps(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		appendEntries(t, db, 20, func(i int) domain.AuditEntry { return domain.AuditEntry{At: at(i), Actor: "a", Action: "test"} })
		for _, r := range [][2]int64{{0, 20}, {10, 20}, {0, 1}, {20, 20}} {
			if err := db.CheckAuditGaps(ctx, r[0], r[1]); err != nil {
				t.Fatalf("a whole log, %v: %v", r, err)
			}
		}
		deleteAudit(t, db, "DELETE FROM audit_log WHERE idx IN (12, 14)")
		var entry *domain.AuditEntryDamage
		if err := db.CheckAuditGaps(ctx, 0, 20); !errors.As(err, &entry) || entry.Entry != 12 ||
			!strings.Contains(err.Error(), "audit entry 12 is missing") {
			t.Errorf("entries 12 and 14 deleted, [0, 20): %v", err)
		}
		if err := db.CheckAuditGaps(ctx, 13, 20); !errors.As(err, &entry) || entry.Entry != 14 {
			t.Errorf("entries 12 and 14 deleted, [13, 20): %v", err)
		}
		leaf := tlog.StoredHashIndex(0, 5)
		deleteAudit(t, db, "DELETE FROM audit_hashes WHERE id = "+strconv.FormatInt(leaf, 10))
		var hash *domain.AuditHashDamage
		if err := db.CheckAuditGaps(ctx, 0, 12); !errors.As(err, &hash) || hash.Index != leaf || hash.Entry != 5 {
			t.Errorf("entry 5's leaf hash deleted, [0, 12): %v", err)
		}
		if err := db.CheckAuditGaps(ctx, 6, 12); err != nil {
			t.Errorf("[6, 12), after the damage: %v", err)
		}
	})
}

// at is entry i's time in these tests: a minute apart.
func at(i int) time.Time { return fixedNow.Add(time.Duration(i) * time.Minute) }
