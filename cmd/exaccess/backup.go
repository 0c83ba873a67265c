package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"exaccess/storage"
)

// runBackup writes an online, consistent copy of a SQLite database. The
// server may keep running: the copy is one snapshot of the database.
//
// It does not check the schema version, behind or ahead of this binary: it
// copies the file and reads or writes none of its rows, so any version is
// copied faithfully. That matters most after a package upgrade replaced the
// binary: the backup to take before the new binary migrates the database
// is of the old schema. The version is printed, so that the backup is
// restored under a binary that knows it.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, dsn := dbFlags("backup", getenv, stderr)
	out := fs.String("out", "", "the backup file to write (mode 0600); must not exist")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return missingFlag(fs, "--out is required")
	}
	if storage.IsPostgresDSN(*dsn) {
		// Refused before connecting: a dial error would hide the answer.
		return postgresBackup(*dsn)
	}
	db, err := openPresent(ctx, *dsn)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	if err := db.Backup(ctx, *out); err != nil {
		if errors.Is(err, storage.ErrBackupPostgres) {
			return postgresBackup(*dsn)
		}
		return err
	}
	version := "unknown"
	if v, err := db.SchemaVersion(ctx); err == nil {
		version = fmt.Sprint(v)
	}
	fmt.Fprintf(stdout, "exaccess: wrote a consistent backup of %s (schema version %s) to %s\n", maskedDB(*dsn), version, *out)
	return nil
}

func postgresBackup(dsn string) error {
	return fmt.Errorf("backup: %s is PostgreSQL: use pg_dump --format=custom (docs/operations.md)", maskedDB(dsn))
}
