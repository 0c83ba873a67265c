package storage

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"

	"github.com/mattn/go-sqlite3"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
)

// readPoolSize is the number of read connections on SQLite. Measured: 2–4
// readers give the throughput of 16 at a far lower p99 (docs/product.md, "What the storage design rests on").
const readPoolSize = 4

// sqliteParams are the connection settings of every SQLite connection; the
// mattn/go-sqlite3 driver runs the matching PRAGMA on each new connection.
func sqliteParams() url.Values {
	return url.Values{
		// WAL lets readers work while the writer commits, and makes a commit
		// one append to the log instead of a rewrite of pages.
		"_journal_mode": {"WAL"},
		// FULL syncs the WAL on every commit: decisions and audit entries
		// must survive power loss, not only a crash of the process.
		"_synchronous": {"FULL"},
		// Wait up to 5 s for a lock held by another process (a CLI
		// `exaccess migrate` or `user` beside a running server) instead of
		// failing at once with "database is locked".
		"_busy_timeout": {"5000"},
		// SQLite ignores REFERENCES clauses unless asked per connection.
		"_foreign_keys": {"on"},
	}
}

// sqliteDSN turns a file path into a URI with the given settings. The path is
// escaped so that '?' or '#' in a directory name cannot inject parameters.
func sqliteDSN(path string, params url.Values) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + params.Encode()
}

// writerDSN is the one write connection. BEGIN IMMEDIATE takes the write
// lock when a transaction starts, so a transaction never fails half-way
// when it upgrades from reading to writing.
func writerDSN(path string) string {
	p := sqliteParams()
	p.Set("_txlock", "immediate")
	// The writer keeps its prepared statements (the driver's per-connection
	// cache, keyed by the SQL text): every change runs the same dozen
	// statements, and preparing them again cost about a tenth of the
	// writer's time. Only single statements are cached, so the
	// multi-statement migration files still run whole. (GORM's PrepareStmt
	// does not help here: inside a transaction it prepares on the
	// transaction, and database/sql closes those statements at commit.)
	p.Set("_stmt_cache_size", "128")
	return sqliteDSN(path, p)
}

// readerDSN is a read pool connection: query_only makes any write on it an
// error, so a read path can never bypass the single writer by mistake.
func readerDSN(path string) string {
	p := sqliteParams()
	p.Set("_query_only", "1")
	return sqliteDSN(path, p)
}

func openSQLite(path string, create bool) (*DB, error) {
	// An empty name or :memory: would give every connection a private
	// database of its own: the readers would never see the writer's data.
	if path == "" || strings.HasPrefix(path, ":memory:") {
		return nil, fmt.Errorf("storage: SQLite needs a file path, not %q", path)
	}
	if err := ensureFile(path, create); err != nil {
		return nil, err
	}
	// The writer opens first: it creates the file and switches it to WAL,
	// which is persistent, before any query-only reader connects.
	writer, err := openSQLitePool(sqlite.New(sqlite.Config{DriverName: writerDriver, DSN: writerDSN(path)}), 1)
	if err != nil {
		return nil, err
	}
	reader, err := openSQLitePool(sqlite.Open(readerDSN(path)), readPoolSize)
	if err != nil {
		closeGorm(writer)
		return nil, err
	}
	ahead, err := openSQLitePool(sqlite.Open(readerDSN(path)), aheadPoolSize)
	if err != nil {
		closeGorm(reader)
		closeGorm(writer)
		return nil, err
	}
	ckpt, err := startWALCheckpointer(path)
	if err != nil {
		closeGorm(ahead)
		closeGorm(reader)
		closeGorm(writer)
		return nil, err
	}
	return &DB{dialect: DialectSQLite, writer: writer, reader: reader, path: path, batch: newCommitter(writer),
		ahead: newAheadPool(ahead), ckpt: ckpt}, nil
}

// writerDriver is the SQLite driver of the writer connection: every
// connection it opens, the first and any that replaces one the pool closed
// (batchconn.go closes one that cannot leave a transaction), raises its
// automatic checkpoint to a safety net, since the checkpointer does it off
// the commit path (walcheckpoint.go). The connection string has no setting
// for it.
const writerDriver = "exaccess-sqlite-writer"

func init() {
	sql.Register(writerDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", writerAutoCheckpoint), nil)
		return err
	}})
}

// openSQLitePool opens a pool of exactly n connections. The writer gets one:
// SQLite allows a single writer, and several write connections only turn into
// "database is locked" errors (docs/product.md, "What the storage design rests on").
func openSQLitePool(d gorm.Dialector, n int) (*gorm.DB, error) {
	g, err := gorm.Open(d, gormConfig())
	if err != nil {
		return nil, fmt.Errorf("storage: open sqlite: %w", err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("storage: open sqlite: %w", err)
	}
	sqlDB.SetMaxOpenConns(n)
	sqlDB.SetMaxIdleConns(n)
	// Connections live as long as the pool: reopening costs the PRAGMAs
	// and throws away the page cache.
	sqlDB.SetConnMaxLifetime(0)
	return g, nil
}

func closeGorm(g *gorm.DB) {
	if sqlDB, err := g.DB(); err == nil {
		sqlDB.Close()
	}
}

// ensureFile makes sure the database file exists before SQLite opens it. A
// new one is created empty with mode 0600: the database holds the token
// signing key, webhook secrets and password hashes, and SQLite gives its
// -wal and -shm files the main file's permissions, whereas a file SQLite
// created itself would be readable by everyone under the usual umask 022.
// With create false, a missing file is ErrNoDatabase.
func ensureFile(path string, create bool) error {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("storage: %w", err)
	case !create:
		return ErrNoDatabase
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil // another process created it just now
	}
	if err != nil {
		return fmt.Errorf("storage: create the database file: %w", err)
	}
	return f.Close()
}

// ExposedFile is a database file that others than its owner may read.
type ExposedFile struct {
	Path string
	Mode fs.FileMode
}

// ExposedFiles lists the SQLite database's files (the database, its -wal
// and -shm) that group or others may read or write: a database created
// before files were made 0600, or by hand. None on PostgreSQL.
func (d *DB) ExposedFiles() []ExposedFile {
	if d.path == "" {
		return nil
	}
	var out []ExposedFile
	for _, p := range []string{d.path, d.path + "-wal", d.path + "-shm"} {
		if info, err := os.Stat(p); err == nil && info.Mode().Perm()&0o077 != 0 {
			out = append(out, ExposedFile{Path: p, Mode: info.Mode().Perm()})
		}
	}
	return out
}
