// Package storagetest gives tests real databases: a fresh SQLite file per
// test, and a fresh PostgreSQL database per test when EXACCESS_TEST_POSTGRES
// holds an admin DSN. It is for tests only; nothing in the product imports it.
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"exaccess/storage"
)

// PostgresEnv names the environment variable with a PostgreSQL admin DSN, for
// example postgres://postgres@127.0.0.1:5432/test?sslmode=disable. It must
// be a URL; the role must be allowed to create and drop databases.
const PostgresEnv = "EXACCESS_TEST_POSTGRES"

// Case is one database to run a test against.
type Case struct {
	Name string // "sqlite" or "postgres": use it as the subtest name
	DSN  string // what storage.Open takes
}

// Databases returns a fresh SQLite file under t.TempDir() and, when
// EXACCESS_TEST_POSTGRES is set, a freshly created PostgreSQL database that
// is dropped when the test ends. Without it, PostgreSQL is skipped with a
// log line, except in CI (CI non-empty), where a missing PostgreSQL fails the
// test: CI must never pass by skipping half the suite.
func Databases(t testing.TB) []Case {
	t.Helper()
	cases := []Case{{Name: storage.DialectSQLite, DSN: filepath.Join(t.TempDir(), "exaccess.db")}}
	admin := os.Getenv(PostgresEnv)
	switch {
	case admin != "":
		cases = append(cases, Case{Name: storage.DialectPostgres, DSN: freshPostgres(t, admin)})
	case os.Getenv("CI") != "":
		t.Fatalf("%s is empty but CI is set: PostgreSQL tests must run in CI", PostgresEnv)
	default:
		t.Logf("PostgreSQL cases skipped: set %s to an admin DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run them", PostgresEnv)
	}
	return cases
}

// Open opens dsn, migrates it and closes it when the test ends.
func Open(t testing.TB, dsn string) *storage.DB {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", redact(dsn), err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// freshPostgres creates exaccess_test_<random> and returns its DSN: the admin
// DSN with the database name replaced. The database is dropped, with any
// connection still open to it, when the test ends.
func freshPostgres(t testing.TB, admin string) string {
	t.Helper()
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", PostgresEnv, err)
	}
	name := "exaccess_test_" + randomHex(t, 8)
	conn, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	ctx := context.Background()
	// The name is ours (hex only), so quoting it as an identifier is safe.
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		conn.Close()
		t.Fatalf("create database on %s: %v", redact(admin), err)
	}
	t.Cleanup(func() {
		defer conn.Close()
		if _, err := conn.ExecContext(context.Background(), `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random: %v", err)
	}
	return hex.EncodeToString(b)
}

// redact hides a password in a DSN before it reaches a test log.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	return u.Redacted()
}

// TamperAudit runs SQL on a connection of its own to c's database, as an
// administrator at a SQL prompt would, after switching off the append-only
// triggers of audit_log and audit_hashes: for tests of a changed or damaged
// audit log.
func TamperAudit(t testing.TB, c Case, stmts ...string) {
	t.Helper()
	driver, dsn, off := "sqlite3", "file:"+c.DSN+"?_busy_timeout=5000", []string{
		"DROP TRIGGER IF EXISTS audit_hashes_no_update", "DROP TRIGGER IF EXISTS audit_hashes_no_delete", "DROP TRIGGER IF EXISTS audit_log_no_delete"}
	if c.Name == storage.DialectPostgres {
		driver, dsn, off = "pgx", c.DSN, []string{"ALTER TABLE audit_hashes DISABLE TRIGGER audit_hashes_append_only",
			"ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"}
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
