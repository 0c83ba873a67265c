package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"exaccess/internal/fsync"
)

// PoolStats are the connection pool statistics of the writer and reader
// pools (one pool on PostgreSQL, reported as both).
func (d *DB) PoolStats() map[string]sql.DBStats {
	out := map[string]sql.DBStats{}
	for name, g := range map[string]interface{ DB() (*sql.DB, error) }{"writer": d.writer, "reader": d.reader} {
		if db, err := g.DB(); err == nil {
			out[name] = db.Stats()
		}
	}
	return out
}

// ErrBackupPostgres says that PostgreSQL databases are backed up with pg_dump.
var ErrBackupPostgres = errors.New("storage: back up PostgreSQL with pg_dump (see docs/operations.md)")

// Backup writes a consistent copy of a SQLite database to out while the
// server runs: VACUUM INTO reads one snapshot of the WAL database and
// writes a compact new file, without blocking the writer. The copy is
// fsynced before Backup returns. out must not exist.
//
// The copy holds what the database holds (the token signing key, webhook
// secrets, password hashes), so out is created here, empty and with mode
// 0600, before VACUUM INTO writes into it (which it does into an empty
// file): a file VACUUM INTO created would take the umask's mode, readable
// by everyone, from its first byte. O_EXCL also makes "must not exist"
// hold against a file that appears between a check and the copy.
func (d *DB) Backup(ctx context.Context, out string) error {
	if d.dialect != DialectSQLite {
		return ErrBackupPostgres
	}
	f, err := os.OpenFile(out, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("storage: backup: %s already exists", out)
	}
	if err != nil {
		return fmt.Errorf("storage: backup: %w", err)
	}
	defer f.Close()
	if err := d.vacuumInto(ctx, out); err != nil {
		os.Remove(out) // ours: created above, and not a backup
		return fmt.Errorf("storage: backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("storage: backup: %w", err)
	}
	// The copy's name is an entry of its directory: without this a crash
	// right after "backup written" could leave no file behind.
	if err := syncBackupDir(filepath.Dir(out)); err != nil {
		return fmt.Errorf("storage: backup: sync %s: %w", filepath.Dir(out), err)
	}
	return nil
}

// syncBackupDir is fsync.Dir, a variable so that a test can see it called.
var syncBackupDir = fsync.Dir

func (d *DB) vacuumInto(ctx context.Context, out string) error {
	conn, err := sql.Open("sqlite3", sqliteDSN(d.path, sqliteParams()))
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "VACUUM INTO ?", out)
	return err
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check and stores its answer
// ("ok" for a sound database) in result.
func (d *DB) IntegrityCheck(ctx context.Context, result *string) error {
	if d.dialect != DialectSQLite {
		*result = "ok"
		return nil
	}
	return d.reader.WithContext(ctx).Raw("PRAGMA integrity_check").Scan(result).Error
}
