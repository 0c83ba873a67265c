package storage_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// TestRecordWrites: with a recorder set, the SQLite committer hands over
// the write statements of each committed change — and nothing of a caller
// that rolled back, of a write without an audit entry, or of a change after
// recording stopped. Replaying the recorded changes on a copy taken before
// them gives the rows the server has after them; dropping one recorded
// statement makes the comparison fail, naming the table.
func TestRecordWrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := storagetest.Open(t, filepath.Join(dir, "rec.db"))
	ctx := context.Background()
	rec := &storage.WriteRecorder{}
	if err := db.RecordWrites(rec); err != nil {
		t.Fatal(err)
	}
	// A write without an audit entry is not a change: never handed over.
	quiet := newDraft(testID(t, 1000), "NO")
	createRequest(t, db, quiet)
	before, beforeCopy := filepath.Join(dir, "before.db"), filepath.Join(dir, "before2.db")
	first, err := db.BenchSnapshot(ctx, before)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.BenchSnapshot(ctx, beforeCopy); err != nil {
		t.Fatal(err)
	}

	// Concurrent callers share commits; every third rolls back.
	const n = 24
	errFail := errors.New("caller fails on purpose")
	var wg sync.WaitGroup
	results := make([]error, n)
	ids := make([]string, n)
	for i := range n {
		ids[i] = testID(t, i)
		wg.Go(func() {
			results[i] = db.InTx(ctx, func(tx domain.Tx) error {
				r := newDraft(ids[i], "NO")
				if err := tx.CreateRequest(r); err != nil {
					return err
				}
				if _, err := tx.NextReference(2027); err != nil {
					return err
				}
				if i == 5 { // also update the request written without an audit entry
					q, err := tx.GetRequest(quiet.ID)
					if err != nil {
						return err
					}
					q.Details.ExerciseName, q.Version = "Renamed", q.Version+1
					if err := tx.UpdateRequest(q, q.Version-1); err != nil {
						return err
					}
				}
				if err := tx.AppendAudit(&domain.AuditEntry{At: fixedNow, Actor: "lo-NO", Action: "request.created",
					RequestID: r.ID, RequestVersion: 1}); err != nil {
					return err
				}
				if i%3 == 0 {
					return errFail
				}
				return nil
			})
		})
	}
	wg.Wait()
	after := filepath.Join(dir, "after.db")
	last, err := db.BenchSnapshot(ctx, after)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RecordWrites(nil); err != nil {
		t.Fatal(err)
	}
	late := newDraft(testID(t, 2000), "NO")
	if err := db.InTx(ctx, func(tx domain.Tx) error {
		if err := tx.CreateRequest(late); err != nil {
			return err
		}
		return tx.AppendAudit(&domain.AuditEntry{At: fixedNow, Actor: "lo-NO", Action: "request.created", RequestID: late.ID, RequestVersion: 1})
	}); err != nil {
		t.Fatal(err)
	}

	changes := rec.Changes()
	var want int
	for i, err := range results {
		switch {
		case err == nil:
			want++
		case i%3 == 0 && errors.Is(err, errFail):
		default:
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	if len(changes) != want || last-first != int64(want) {
		t.Fatalf("%d changes recorded, audit entries %d..%d, want %d", len(changes), first, last, want)
	}
	for k, c := range changes {
		if c.AuditIdx != first+1+int64(k) {
			t.Errorf("change %d has audit entry %d, want %d (commit order)", k, c.AuditIdx, first+1+int64(k))
		}
		text := fmt.Sprint(c.Statements)
		for i, id := range ids {
			if i%3 == 0 && strings.Contains(text, id) {
				t.Errorf("change %d holds a write of rolled-back caller %d", k, i)
			}
		}
		for _, s := range c.Statements {
			if verb := strings.Fields(s.SQL)[0]; !slices.Contains([]string{"INSERT", "UPDATE", "DELETE"}, verb) {
				t.Errorf("change %d recorded %q", k, s.SQL)
			}
		}
	}
	tables := storage.TablesWritten(changes)
	for _, tb := range []string{"audit_hashes", "audit_log", "counters", "requests"} {
		if !slices.Contains(tables, tb) {
			t.Errorf("tables written %v lack %s", tables, tb)
		}
	}

	if _, err := storage.ReplayChanges(ctx, before, changes, 4, time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	if compared, err := storage.CompareTables(ctx, before, after, nil); err != nil || len(compared) < 20 {
		t.Fatalf("replay differs from the server: %v (tables compared: %v)", err, compared)
	}
	// The comparison can fail: one recorded statement fewer.
	short := slices.Clone(changes)
	c := short[0]
	i := slices.IndexFunc(c.Statements, func(s storage.RecordedStatement) bool {
		return strings.HasPrefix(s.SQL, "INSERT INTO counters")
	})
	if i < 0 {
		t.Fatalf("change 0 has no counter statement: %v", c.Statements)
	}
	short[0].Statements = slices.Delete(slices.Clone(c.Statements), i, i+1)
	if _, err := storage.ReplayChanges(ctx, beforeCopy, short, 4, time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	_, err = storage.CompareTables(ctx, beforeCopy, after, tables)
	if err == nil || !strings.Contains(err.Error(), "table counters differs") {
		t.Fatalf("replay without its reference counter: %v, want table counters differs", err)
	}
}

// TestRecordWritesDialects: recording is SQLite's (its one committer sees
// every change); PostgreSQL refuses it with an error rather than
// recording nothing.
func TestRecordWritesDialects(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		err := db.RecordWrites(&storage.WriteRecorder{})
		if (db.Dialect() == storage.DialectSQLite) != (err == nil) {
			t.Fatalf("%s: RecordWrites: %v", db.Dialect(), err)
		}
		if err == nil {
			if err := db.RecordWrites(nil); err != nil {
				t.Fatal(err)
			}
		}
	})
}
