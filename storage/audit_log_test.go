package storage_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/auditlog"
	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// appendEntries appends n entries, each in its own transaction.
func appendEntries(t testing.TB, db *storage.DB, n int, entry func(i int) domain.AuditEntry) {
	t.Helper()
	for i := range n {
		e := entry(i)
		if err := db.InTx(context.Background(), func(tx domain.Tx) error { return tx.AppendAudit(&e) }); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
}

// wantTreeMatchesEntries checks that the stored tree is exactly the tree of
// the stored entries: every stored hash, and the tree hash tlog computes.
func wantTreeMatchesEntries(t testing.TB, db *storage.DB, size int64) {
	t.Helper()
	ctx := context.Background()
	if n, err := db.AuditTreeSize(ctx); err != nil || n != size {
		t.Fatalf("AuditTreeSize = %d, %v; want %d", n, err, size)
	}
	f, _ := auditlog.NewFrontier(0, nil)
	var want []tlog.Hash
	err := db.StreamAuditEntries(ctx, 0, size, func(idx int64, entry []byte) error {
		if idx != f.Size() {
			return fmt.Errorf("entry %d where %d was expected", idx, f.Size())
		}
		want = append(want, f.AppendStored(tlog.RecordHash(entry))...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []tlog.Hash
	if err := db.StreamAuditHashes(ctx, func(id int64, h tlog.Hash) error {
		if id != int64(len(got)) {
			return fmt.Errorf("stored hash %d where %d was expected", id, len(got))
		}
		got = append(got, h)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || int64(len(got)) != tlog.StoredHashCount(size) {
		t.Fatalf("%d stored hashes, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("stored hash %d differs from the one computed from the entries", i)
		}
	}
	root, err := tlog.TreeHash(size, tlog.HashReaderFunc(func(ids []int64) ([]tlog.Hash, error) { return db.ReadAuditHashes(ctx, ids) }))
	if err != nil || root != f.Root() {
		t.Fatalf("tree hash from stored hashes differs from the entries' (%v)", err)
	}
}

// Concurrent appenders, which on PostgreSQL run in parallel transactions,
// leave a tree that is exactly the tree of the entries.
func TestAuditTreeConsistentUnderConcurrency(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		const goroutines, each = 8, 12
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				appendEntries(t, db, each, func(i int) domain.AuditEntry {
					return domain.AuditEntry{At: fixedNow, Actor: fmt.Sprintf("w%d", g), Action: "test", Data: map[string]any{"i": i}}
				})
			})
		}
		wg.Wait()
		wantTreeMatchesEntries(t, db, goroutines*each)
	})
}

// A database whose entries predate the hash table gets their hashes on the
// next append, and from BackfillAuditHashes.
func TestAuditHashesBackfill(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		w := db.WriterForTest()
		for i := range 5 {
			e, _ := storage.EncodeAuditEntry(domain.AuditEntry{Index: int64(i), At: fixedNow, Actor: "old", Action: "legacy"})
			if err := w.Exec("INSERT INTO audit_log (idx, at, actor, action, entry) VALUES (?, ?, 'old', 'legacy', ?)", i, fixedNow, e).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Exec("INSERT INTO counters (name, value) VALUES ('audit', 4)").Error; err != nil {
			t.Fatal(err)
		}
		if err := db.BackfillAuditHashes(ctx); err != nil {
			t.Fatal(err)
		}
		wantTreeMatchesEntries(t, db, 5)
		if err := db.BackfillAuditHashes(ctx); err != nil { // nothing left to do
			t.Fatal(err)
		}
		e, _ := storage.EncodeAuditEntry(domain.AuditEntry{Index: 5, At: fixedNow, Actor: "old", Action: "legacy"})
		if err := w.Exec("INSERT INTO audit_log (idx, at, actor, action, entry) VALUES (5, ?, 'old', 'legacy', ?)", fixedNow, e).Error; err != nil {
			t.Fatal(err)
		}
		if err := w.Exec("UPDATE counters SET value = 5 WHERE name = 'audit'").Error; err != nil {
			t.Fatal(err)
		}
		appendEntries(t, db, 3, func(int) domain.AuditEntry { return domain.AuditEntry{At: fixedNow, Actor: "new", Action: "test"} })
		wantTreeMatchesEntries(t, db, 9)
	})
}

// The database itself refuses to change or remove entries and hashes.
func TestAuditLogIsAppendOnly(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		appendEntries(t, db, 2, func(int) domain.AuditEntry { return domain.AuditEntry{At: fixedNow, Actor: "a", Action: "test"} })
		w := db.WriterForTest()
		for _, stmt := range []string{"UPDATE audit_log SET actor = 'b'", "DELETE FROM audit_log WHERE idx = 1",
			"UPDATE audit_hashes SET id = id + 100", "DELETE FROM audit_hashes"} {
			if err := w.Exec(stmt).Error; err == nil {
				t.Errorf("%s was allowed", stmt)
			}
		}
		wantTreeMatchesEntries(t, db, 2)
	})
}

func TestAuditEventsAndRanges(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		appendEntries(t, db, 9, func(i int) domain.AuditEntry {
			return domain.AuditEntry{At: fixedNow.Add(time.Duration(i) * time.Minute), Actor: []string{"hns", "ops", "gov"}[i%3],
				Action: []string{"a.one", "a.two"}[i%2], RequestID: fmt.Sprintf("r%d", i%2)}
		})
		at := func(i int) *time.Time { v := fixedNow.Add(time.Duration(i) * time.Minute); return &v }
		cases := []struct {
			name string
			f    domain.AuditFilter
			want []int64
		}{
			{"all", domain.AuditFilter{}, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8}},
			{"actor", domain.AuditFilter{Actor: "ops"}, []int64{1, 4, 7}},
			{"action and request", domain.AuditFilter{Action: "a.two", RequestID: "r1"}, []int64{1, 3, 5, 7}},
			{"time window", domain.AuditFilter{From: at(2), To: at(5)}, []int64{2, 3, 4}},
		}
		for _, c := range cases {
			var got []int64
			f := c.f
			f.Limit = 2
			for page := 0; page < 10; page++ {
				p, err := db.AuditEvents(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range p.Items {
					got = append(got, it.Index)
				}
				if p.NextAfter == nil {
					break
				}
				f.After = p.NextAfter
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("%s: indexes %v, want %v", c.name, got, c.want)
			}
			// Newest first, paged by the smallest index of each page.
			got, f = nil, c.f
			f.Limit, f.Newest = 2, true
			for page := 0; page < 10; page++ {
				p, err := db.AuditEvents(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range p.Items {
					got = append(got, it.Index)
				}
				if p.NextAfter != nil {
					t.Errorf("%s, newest first: a cursor for larger indexes", c.name)
				}
				if p.NextBefore == nil {
					break
				}
				f.Before = p.NextBefore
			}
			want := slices.Clone(c.want)
			slices.Reverse(want)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s, newest first: indexes %v, want %v", c.name, got, want)
			}
			// Back from the last entry: the entries before it, oldest first.
			f = c.f
			f.Before, f.Limit = &c.want[len(c.want)-1], 100
			p, err := db.AuditEvents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			got = nil
			for _, it := range p.Items {
				got = append(got, it.Index)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want[:len(c.want)-1]) || p.NextAfter != nil || p.NextBefore != nil {
				t.Errorf("%s, before %d: indexes %v (next %v, %v), want %v", c.name, c.want[len(c.want)-1], got, p.NextAfter, p.NextBefore, c.want[:len(c.want)-1])
			}
		}
		for _, r := range []struct {
			from, to    *time.Time
			first, end  int64
			description string
		}{{nil, nil, 0, 9, "all"}, {at(3), nil, 3, 9, "from"}, {nil, at(3), 0, 3, "to"}, {at(4), at(6), 4, 6, "both"},
			{at(20), nil, 9, 9, "after the end"}, {at(5), at(2), 5, 5, "empty window"}} {
			first, end, err := db.AuditIndexRange(ctx, r.from, r.to, 9)
			if err != nil || first != r.first || end != r.end {
				t.Errorf("%s: range %d..%d (%v), want %d..%d", r.description, first, end, err, r.first, r.end)
			}
		}
	})
}

// Two SQLite handles on one file, as two processes would be, append in
// turn and at once: each committer keeps the audit tail in memory, and must
// notice the other's entries (the counter row checked once per batch)
// rather than reuse an index or combine with a stale frontier.
func TestAuditTailKeptAcrossTwoWriters(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "two.db")
	a := storagetest.Open(t, path)
	b, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	entry := func(who string) func(int) domain.AuditEntry {
		return func(i int) domain.AuditEntry {
			return domain.AuditEntry{At: fixedNow, Actor: who, Action: "test", Data: map[string]any{"i": i}}
		}
	}
	size := int64(0)
	for round := range 5 {
		appendEntries(t, a, round+1, entry("a"))
		appendEntries(t, b, 2, entry("b"))
		size += int64(round + 1 + 2)
	}
	var wg sync.WaitGroup
	for _, db := range []*storage.DB{a, b, a, b} {
		wg.Go(func() { appendEntries(t, db, 10, entry("both")) })
	}
	wg.Wait()
	size += 40
	wantTreeMatchesEntries(t, a, size)
	wantTreeMatchesEntries(t, b, size)
}

// TestAuditEventsPlan: the audit page lists the newest entries first, and
// pages both ways, on a log of millions of entries; every such query,
// newest or oldest first, with or without a filter by actor, action or
// request and a cursor either way, walks an index in the page's order and
// stops at the page's end, never sorting the matches (the log's key for
// no filter, the filter's index ending in idx otherwise). On PostgreSQL the
// plan is asked with sorts priced out, so a sort in it means no index can
// serve the order.
func TestAuditEventsPlan(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		appendEntries(t, db, 3, func(int) domain.AuditEntry { return domain.AuditEntry{At: fixedNow, Actor: "hns", Action: "a.one"} })
		n := int64(1)
		filters := map[string]domain.AuditFilter{"none": {}, "actor": {Actor: "hns"}, "action": {Action: "a.one"}, "request": {RequestID: "r1"}}
		index := map[string]string{"none": "", "actor": "audit_log_actor_idx", "action": "audit_log_action_idx", "request": "audit_log_request_idx"}
		for name, base := range filters {
			for _, newest := range []bool{true, false} {
				for cursor, f := range map[string]domain.AuditFilter{"first page": base, "after": with(base, &n, nil), "before": with(base, nil, &n)} {
					f.Newest = newest
					plan, err := db.ExplainAuditEventsForTest(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					if !servedByIndex(db.Dialect(), plan, index[name], newest) {
						t.Errorf("%s, newest %v, %s: the plan sorts or reads no index in order: %s", name, newest, cursor, plan)
					}
				}
			}
		}
	})
}

// with is f with an after or before cursor.
func with(f domain.AuditFilter, after, before *int64) domain.AuditFilter {
	f.After, f.Before = after, before
	return f
}

// servedByIndex reads a plan of an audit page: an index walk, in the
// page's order on PostgreSQL, of the index named (the key when ""), and no
// sort.
func servedByIndex(dialect, plan, index string, newest bool) bool {
	if dialect == storage.DialectPostgres {
		walk := "Index Scan using "
		if newest {
			walk = "Index Scan Backward using "
		}
		if index == "" {
			index = "audit_log_pkey"
		}
		return strings.Contains(plan, walk+index+" on audit_log") && !strings.Contains(plan, "Sort")
	}
	if index == "" {
		return strings.Contains(plan, "audit_log USING INTEGER PRIMARY KEY") && !strings.Contains(plan, "TEMP B-TREE")
	}
	return strings.Contains(plan, "audit_log USING INDEX "+index) && !strings.Contains(plan, "TEMP B-TREE")
}
