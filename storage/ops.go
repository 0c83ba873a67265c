package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
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
func (d *DB) Backup(ctx context.Context, out string) error {
	if d.dialect != DialectSQLite {
		return ErrBackupPostgres
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("storage: backup: %s already exists", out)
	}
	conn, err := sql.Open("sqlite3", sqliteDSN(d.path, sqliteParams()))
	if err != nil {
		return fmt.Errorf("storage: backup: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", out); err != nil {
		return fmt.Errorf("storage: backup: %w", err)
	}
	f, err := os.Open(out)
	if err != nil {
		return fmt.Errorf("storage: backup: %w", err)
	}
	defer f.Close()
	return f.Sync()
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
