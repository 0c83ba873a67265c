package web

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// TestAuditDamagedPage: a stored hash of the audit tree goes missing
// (deleted at a SQL prompt, past the append-only triggers). The auditor's
// export in the console then answers 500 with a page that says the audit
// log's hashes are damaged and what an operator must run, with the
// request id to quote — not the generic "something went wrong".
func TestAuditDamagedPage(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			e := newEnv(t, c.DSN, false)
			lo := e.client().signIn("lo-no")
			requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))
			size, err := e.db.AuditTreeSize(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			tamperHashes(t, c, "DELETE FROM audit_hashes WHERE id >= "+strconv.FormatInt(tlog.StoredHashIndex(0, size-1), 10))

			a := e.client().signIn("auditor")
			p := a.post("/audit/export", url.Values{"format": {"ndjson"}})
			wantStatus(t, p, http.StatusInternalServerError)
			text := p.Doc.Find("main").Text()
			if !strings.Contains(text, "stored hashes are damaged") || !strings.Contains(text, "exaccess audit verify") {
				t.Fatalf("the page does not say the audit log is damaged:\n%s", text)
			}
			if id := p.Header.Get("X-Request-Id"); id == "" || !strings.Contains(text, id) {
				t.Fatalf("the page does not quote the request id %q:\n%s", id, text)
			}
		})
	}
}

// tamperHashes runs SQL on its own connection, as an administrator at a
// SQL prompt would, after switching off audit_hashes' append-only triggers.
func tamperHashes(t *testing.T, c storagetest.Case, stmts ...string) {
	t.Helper()
	driver, dsn, off := "sqlite3", "file:"+c.DSN+"?_busy_timeout=5000", []string{
		"DROP TRIGGER IF EXISTS audit_hashes_no_update", "DROP TRIGGER IF EXISTS audit_hashes_no_delete"}
	if c.Name == storage.DialectPostgres {
		driver, dsn, off = "pgx", c.DSN, []string{"ALTER TABLE audit_hashes DISABLE TRIGGER audit_hashes_append_only"}
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, s := range append(off, stmts...) {
		if _, err := conn.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}
