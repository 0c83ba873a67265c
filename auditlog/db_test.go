package auditlog_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"exaccess/auditlog"
	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// logEnv is a real database with the audit log service on it.
type logEnv struct {
	t    testing.TB
	c    storagetest.Case
	db   *storage.DB
	log  *auditlog.Service
	key  string
	now  time.Time
	auth domain.Principal
}

func newLogEnv(t testing.TB, c storagetest.Case) *logEnv {
	t.Helper()
	db := storagetest.Open(t, c.DSN)
	skey, err := db.GetOrCreateKey(context.Background(), auditlog.SignerKeyName, auditlog.GenerateSignerKey)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auditlog.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	e := &logEnv{t: t, c: c, db: db, key: signer.VerifierKey(), now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
		auth: domain.Principal{Subject: "auditor", Roles: []domain.Role{domain.RoleAuditor}}}
	e.log = auditlog.NewService(db, signer, func() time.Time { return e.now })
	return e
}

// forEachDB runs fn on a fresh SQLite file and, when configured, PostgreSQL.
func forEachDB(t *testing.T, fn func(t *testing.T, e *logEnv)) {
	t.Helper()
	t.Parallel()
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) { fn(t, newLogEnv(t, c)) })
	}
}

// addUsers appends real entries the way the product does: through the
// user service, one transaction per user.
func (e *logEnv) addUsers(names ...string) {
	e.t.Helper()
	users := domain.NewUserService(e.db, nil, func() time.Time { return e.now }, func() string { return "id-" + names[0] + fmt.Sprint(e.now.UnixNano()) })
	for _, n := range names {
		e.now = e.now.Add(time.Minute)
		u := domain.User{Username: n, Roles: []domain.Role{domain.RoleAuditor}}
		if _, err := users.CreateUser(context.Background(), "admin", u, "hash-of-"+n); err != nil {
			e.t.Fatal(err)
		}
	}
}

// export writes an export of the whole log to a file and returns its path.
func (e *logEnv) export(format string, from, to *time.Time) (string, domain.AuditExportInfo) {
	e.t.Helper()
	x, err := e.log.StartExport(context.Background(), e.auth, domain.AuditExportRequest{Format: format, From: from, To: to})
	if err != nil {
		e.t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := x.Write(context.Background(), &buf); err != nil {
		e.t.Fatal(err)
	}
	path := filepath.Join(e.t.TempDir(), "export."+format)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return path, x.Info()
}

// verifyFile runs the offline verifier on a file, as the command does.
func (e *logEnv) verifyFile(path string) *auditlog.Report {
	e.t.Helper()
	f, err := os.Open(path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	rep, err := auditlog.VerifyExport(f, e.key)
	if err != nil {
		e.t.Fatal(err)
	}
	return rep
}

func (e *logEnv) verifyDB() *auditlog.Report {
	e.t.Helper()
	rep, err := auditlog.VerifyStored(context.Background(), e.db, e.key)
	if err != nil {
		e.t.Fatal(err)
	}
	return rep
}

// tamper runs SQL on its own connection, as an administrator at a SQL
// prompt would, after switching off the append-only triggers.
func (e *logEnv) tamper(stmts ...string) {
	e.t.Helper()
	driver, dsn, off := "sqlite3", "file:"+e.c.DSN+"?_busy_timeout=5000", []string{
		"DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete",
		"DROP TRIGGER IF EXISTS audit_hashes_no_update", "DROP TRIGGER IF EXISTS audit_hashes_no_delete",
		"DROP TRIGGER IF EXISTS audit_checkpoints_no_update", "DROP TRIGGER IF EXISTS audit_checkpoints_no_delete"}
	if e.c.Name == storage.DialectPostgres {
		driver, dsn, off = "pgx", e.c.DSN, []string{
			"ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
			"ALTER TABLE audit_hashes DISABLE TRIGGER audit_hashes_append_only",
			"ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_append_only"}
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1) // a PRAGMA among stmts holds for the statements after it
	for _, s := range append(off, stmts...) {
		if _, err := conn.Exec(s); err != nil {
			e.t.Fatalf("%s: %v", s, err)
		}
	}
}

func reportText(rep *auditlog.Report) string {
	var b bytes.Buffer
	b.WriteString(rep.Summary() + "\n")
	for _, p := range rep.Problems {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}
