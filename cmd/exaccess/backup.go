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
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, dsn := dbFlags("backup", getenv, stderr)
	out := fs.String("out", "", "the backup file to write; must not exist")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("backup: --out is required; %w", errUsage)
	}
	db, err := openExisting(ctx, *dsn)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	if err := db.Backup(ctx, *out); err != nil {
		if errors.Is(err, storage.ErrBackupPostgres) {
			return fmt.Errorf("backup: %s is PostgreSQL: use pg_dump --format=custom (docs/operations.md)", maskedDB(*dsn))
		}
		return err
	}
	fmt.Fprintf(stdout, "exaccess: wrote a consistent backup of %s to %s\n", maskedDB(*dsn), *out)
	return nil
}
