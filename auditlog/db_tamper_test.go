package auditlog_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/auditlog"
	"exaccess/domain"
	"exaccess/storage"
)

func TestExportFromDatabaseVerifies(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		e.addUsers("u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "u10", "u11")
		path, info := e.export(domain.AuditFormatNDJSON, nil, nil)
		if info.First != 0 || info.Count != 12 || info.TreeSize != 12 {
			t.Fatalf("export info %+v", info)
		}
		if rep := e.verifyFile(path); !rep.OK() || rep.Summary() != "verified: entries 0..11 against checkpoint of size 12" {
			t.Fatalf("%s", reportText(rep))
		}
		// The export recorded itself, after the range it exported.
		page, err := e.log.Events(context.Background(), domain.AuditFilter{Action: domain.AuditExported})
		if err != nil || len(page.Items) != 1 || page.Items[0].Index != 12 {
			t.Fatalf("export entries %v, %v", page.Items, err)
		}
		if !bytes.Contains(page.Items[0].Entry, []byte(`"actor":"auditor"`)) || !bytes.Contains(page.Items[0].Entry, []byte(`"count":12,"first":0,"format":"ndjson"`)) {
			t.Errorf("export entry %s", page.Items[0].Entry)
		}
		// A time window exports the range of entries inside it, and verifies.
		from, to := e.now.Add(-7*time.Minute), e.now.Add(-2*time.Minute) // users u4..u8 were created in [from, to)
		path, info = e.export(domain.AuditFormatNDJSON, &from, &to)
		if info.First != 4 || info.Count != 5 || info.TreeSize != 13 {
			t.Fatalf("window export info %+v", info)
		}
		if rep := e.verifyFile(path); !rep.OK() {
			t.Fatalf("%s", reportText(rep))
		}
		csv, _ := e.export(domain.AuditFormatCSV, nil, nil)
		b, _ := os.ReadFile(csv)
		rows := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if len(rows) != 15 || rows[0] != "index,at,actor,acting_for,action,request_id,request_version,data" ||
			!strings.HasPrefix(rows[1], "0,") || !strings.Contains(rows[1], `user.created,,,"{""disabled"":false,""generation"":1,""nation"":"""",""roles"":[""auditor""],""user_id"":""`) ||
			!strings.HasSuffix(rows[1], `""username"":""u0""}"`) {
			t.Errorf("csv:\n%s", b)
		}
	})
}

// An export file edited in any of the ways an insider might is reported,
// each problem naming the entry.
func TestExportFileTamperingNamed(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		e.addUsers("u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
		path, _ := e.export(domain.AuditFormatNDJSON, nil, nil)
		orig, _ := os.ReadFile(path)
		ls := bytes.SplitAfter(bytes.TrimSuffix(orig, []byte("\n")), []byte("\n"))
		edit := func(f func(ls [][]byte) [][]byte) *auditlog.Report {
			c := make([][]byte, len(ls))
			for i := range ls {
				c[i] = bytes.Clone(ls[i])
			}
			out := bytes.Join(f(c), nil)
			if !bytes.HasSuffix(out, []byte("\n")) {
				out = append(out, '\n')
			}
			if err := os.WriteFile(path, out, 0o600); err != nil {
				t.Fatal(err)
			}
			return e.verifyFile(path)
		}
		for name, c := range map[string]struct {
			rep   *auditlog.Report
			kind  string
			index int64
		}{
			"edit": {edit(func(ls [][]byte) [][]byte {
				ls[3] = bytes.Replace(ls[3], []byte(`"u3"`), []byte(`"u7"`), 1)
				return ls
			}), auditlog.KindEdited, 3},
			"delete": {edit(func(ls [][]byte) [][]byte { return append(ls[:5], ls[6:]...) }), auditlog.KindDeleted, 5},
			"swap": {edit(func(ls [][]byte) [][]byte {
				ls[1], ls[8] = ls[8], ls[1]
				return ls
			}), auditlog.KindReordered, 8},
			"truncate": {edit(func(ls [][]byte) [][]byte { return ls[:7] }), auditlog.KindTruncated, 6},
			"insert": {edit(func(ls [][]byte) [][]byte {
				return append(ls[:2], append([][]byte{[]byte(`{"action":"user.created","index":2}` + "\n")}, ls[2:]...)...)
			}), auditlog.KindInserted, -1},
		} {
			if c.rep.OK() || !c.rep.Has(c.kind, c.index) {
				t.Errorf("%s: want %s of entry %d:\n%s", name, c.kind, c.index, reportText(c.rep))
			}
		}
	})
}

// An administrator editing or deleting rows directly is caught: by the leaf
// hash stored at append, and when the hashes are rewritten as well, by the
// checkpoints the server signed before.
func TestDatabaseTamperingNamed(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		ctx := context.Background()
		e.addUsers("u0", "u1", "u2")
		if _, err := e.log.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		e.addUsers("u3", "u4", "u5", "u6", "u7", "u8", "u9")
		if _, err := e.log.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		if rep := e.verifyDB(); !rep.OK() || rep.Count != 10 || rep.TreeSize != 10 {
			t.Fatalf("untouched database: %s", reportText(rep))
		}
		e.tamper(replaceSQL(e.c.Name, 4, "u4", "x4"))
		rep := e.verifyDB()
		if !rep.Has(auditlog.KindEdited, 4) || len(rep.Problems) != 1 {
			t.Fatalf("edited row 4:\n%s", reportText(rep))
		}
		path, _ := e.export(domain.AuditFormatNDJSON, nil, nil)
		if rep := e.verifyFile(path); !rep.Has(auditlog.KindEdited, 4) || len(rep.Problems) != 1 {
			t.Fatalf("export of the edited log:\n%s", reportText(rep))
		}
		e.tamper(replaceSQL(e.c.Name, 4, "x4", "u4"), "DELETE FROM audit_log WHERE idx = 7")
		if rep := e.verifyDB(); !rep.Has(auditlog.KindDeleted, 7) || len(rep.Problems) != 1 {
			t.Fatalf("deleted row 7:\n%s", reportText(rep))
		}
	})
}

// A thorough forger edits an entry and rewrites every hash above it: the
// log is consistent with itself again, and new checkpoints sign it. The
// checkpoints signed before, kept in the database and in earlier exports,
// still expose it.
func TestRewrittenHistoryCaught(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		e.addUsers("u0", "u1", "u2", "u3", "u4")
		earlier, _ := e.export(domain.AuditFormatNDJSON, nil, nil) // size 5, then its own entry 5
		e.addUsers("u6", "u7", "u8")
		later, _ := e.export(domain.AuditFormatNDJSON, nil, nil)
		if rep := consistency(t, e, later, earlier); !rep.OK() {
			t.Fatalf("honest history: %s", reportText(rep))
		}
		e.tamper(replaceSQL(e.c.Name, 2, "u2", "x2"))
		e.tamper(rewriteHashes(t, e)...)
		forged, _ := e.export(domain.AuditFormatNDJSON, nil, nil)
		if rep := e.verifyFile(forged); !rep.OK() {
			t.Fatalf("the forged export should verify on its own: %s", reportText(rep))
		}
		rep := consistency(t, e, forged, earlier)
		if !rep.Has(auditlog.KindInconsistent, -1) || !rep.Has(auditlog.KindEdited, 2) {
			t.Errorf("forged export against the earlier one:\n%s", reportText(rep))
		}
		if rep := e.verifyDB(); !rep.Has(auditlog.KindEdited, 0) || !strings.Contains(reportText(rep), "from 0 to 4") {
			t.Errorf("database after the forgery:\n%s", reportText(rep))
		}
	})
}

func consistency(t *testing.T, e *logEnv, later, earlier string) *auditlog.Report {
	t.Helper()
	l, _ := os.Open(later)
	defer l.Close()
	r, _ := os.Open(earlier)
	defer r.Close()
	rep, err := auditlog.VerifyConsistency(l, r, e.key)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// replaceSQL changes text inside one stored entry.
func replaceSQL(dialect string, idx int, old, new string) string {
	if dialect == storage.DialectPostgres {
		return "UPDATE audit_log SET entry = convert_to(replace(convert_from(entry, 'UTF8'), '" + old + "', '" + new + "'), 'UTF8') WHERE idx = " + strconv.Itoa(idx)
	}
	return "UPDATE audit_log SET entry = CAST(replace(CAST(entry AS TEXT), '" + old + "', '" + new + "') AS BLOB) WHERE idx = " + strconv.Itoa(idx)
}

// rewriteHashes returns the statements that make audit_hashes the tree of
// the entries as they are now.
func rewriteHashes(t *testing.T, e *logEnv) []string {
	t.Helper()
	f, _ := auditlog.NewFrontier(0, nil)
	var stmts []string
	err := e.db.StreamAuditEntries(context.Background(), 0, 1<<40, func(_ int64, entry []byte) error {
		base := tlog.StoredHashIndex(0, f.Size())
		for i, h := range f.AppendStored(tlog.RecordHash(entry)) {
			stmts = append(stmts, "UPDATE audit_hashes SET hash = "+hexLiteral(e.c.Name, h)+" WHERE id = "+strconv.FormatInt(base+int64(i), 10))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return stmts
}

func hexLiteral(dialect string, h tlog.Hash) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for _, c := range h {
		b.WriteByte(digits[c>>4])
		b.WriteByte(digits[c&15])
	}
	if dialect == storage.DialectPostgres {
		return `'\x` + b.String() + `'::bytea`
	}
	return "X'" + b.String() + "'"
}

// Rows the API reads but the tree does not cover: a row put below index 0
// or past the log's end, and a row whose searchable columns were changed
// while its entry was left alone. The API shows none of the first kind,
// and verify reports every one.
func TestDatabaseRowsOutsideTheLogAndColumnsCaught(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		ctx := context.Background()
		e.addUsers("u0", "u1", "u2", "u3", "u4")
		if _, err := e.log.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		if rep := e.verifyDB(); !rep.OK() {
			t.Fatalf("untouched database: %s", reportText(rep))
		}
		forged := func(idx int) string {
			return fmt.Sprintf(`INSERT INTO audit_log (idx, at, actor, action, request_id, request_version, entry)
				VALUES (%d, '2026-11-23 09:30:00', 'gov', 'request.decided', 'r-forged', 2, %s)`, idx,
				blobLiteral(e.c.Name, `{"action":"request.decided","actor":"gov","at":"2026-11-23T09:30:00Z","data":{},"index":17,"request_id":"r-forged","request_version":2}`))
		}
		allow := "PRAGMA ignore_check_constraints = ON"
		if e.c.Name == storage.DialectPostgres {
			allow = "ALTER TABLE audit_log DROP CONSTRAINT audit_log_idx_check"
		}
		e.tamper(allow, forged(-1), forged(40))
		if hist, err := e.db.ListAudit(ctx, "r-forged"); err != nil || len(hist) != 0 {
			t.Errorf("request history shows rows outside the log: %v, %v", hist, err)
		}
		if page, err := e.log.Events(ctx, domain.AuditFilter{Actor: "gov"}); err != nil || len(page.Items) != 0 {
			t.Errorf("events show rows outside the log: %v, %v", page.Items, err)
		}
		rep := e.verifyDB()
		if !rep.Has(auditlog.KindInserted, -1) || !rep.Has(auditlog.KindInserted, 40) ||
			!rep.Has(auditlog.KindColumns, -1) || !rep.Has(auditlog.KindColumns, 40) || len(rep.Problems) != 4 {
			t.Fatalf("rows at -1 and 40:\n%s", reportText(rep))
		}
		if !strings.Contains(reportText(rep), "a row at index -1, below 0") {
			t.Errorf("the row below 0 is not named:\n%s", reportText(rep))
		}
		e.tamper("DELETE FROM audit_log WHERE idx < 0 OR idx >= 40")
		if rep := e.verifyDB(); !rep.OK() {
			t.Fatalf("after removing the forged rows: %s", reportText(rep))
		}
		// The entry is untouched, only its copies in the columns changed:
		// the tree still verifies, the columns do not.
		e.tamper("UPDATE audit_log SET request_id = 'x', action = 'audit.exported', actor = 'gov' WHERE idx = 3")
		rep = e.verifyDB()
		if !rep.Has(auditlog.KindColumns, 3) || len(rep.Problems) != 1 {
			t.Fatalf("columns of row 3 changed:\n%s", reportText(rep))
		}
		for _, col := range []string{"actor", "action", "request_id"} {
			if !strings.Contains(rep.Problems[0].Detail, col+" is ") {
				t.Errorf("the report does not name column %s: %s", col, rep.Problems[0].Detail)
			}
		}
	})
}

// blobLiteral is text as the dialect's binary literal.
func blobLiteral(dialect, text string) string {
	if dialect == storage.DialectPostgres {
		return "convert_to('" + text + "', 'UTF8')"
	}
	return "CAST('" + text + "' AS BLOB)"
}

// A later export smaller than the earlier one is a rollback; when the
// later log is not even a prefix of the earlier one, that is said too.
func TestConsistencyReportsRollback(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		e.addUsers("u0", "u1", "u2")
		small, _ := e.export(domain.AuditFormatNDJSON, nil, nil) // size 3, then its own entry 3
		e.addUsers("u4", "u5")
		large, _ := e.export(domain.AuditFormatNDJSON, nil, nil) // size 6
		rep := consistency(t, e, small, large)
		if rep.OK() || !rep.Has(auditlog.KindRolledBack, 3) || len(rep.Problems) != 1 ||
			!strings.Contains(rep.Problems[0].Detail, "fewer than the 6 signed earlier: entries 3..5 are gone") {
			t.Fatalf("rolled back to a prefix:\n%s", reportText(rep))
		}
		e.tamper(replaceSQL(e.c.Name, 1, "u1", "x1"))
		e.tamper(rewriteHashes(t, e)...)
		e.tamper("DELETE FROM audit_log WHERE idx >= 4", "DELETE FROM audit_hashes WHERE id >= "+strconv.FormatInt(tlog.StoredHashIndex(0, 4), 10),
			"UPDATE counters SET value = 3 WHERE name = 'audit'")
		forged, _ := e.export(domain.AuditFormatNDJSON, nil, nil) // size 4, entry 1 rewritten
		rep = consistency(t, e, forged, large)
		if !rep.Has(auditlog.KindRolledBack, 4) || !rep.Has(auditlog.KindInconsistent, -1) || !rep.Has(auditlog.KindEdited, 1) {
			t.Fatalf("rolled back and rewritten:\n%s", reportText(rep))
		}
	})
}
