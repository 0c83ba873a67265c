package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"exaccess/storage"
)

// runBackup writes an online, consistent copy of a SQLite database. The
// server may keep running: the copy is one snapshot of the database.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	out := ""
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbFlag(fs, &cfg, getenv)
	fs.StringVar(&out, "out", "", "the backup file to write; must not exist")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if out == "" {
		return fmt.Errorf("backup: --out is required; %w", errUsage)
	}
	db, err := storage.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckSchema(ctx); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := db.Backup(ctx, out); err != nil {
		if errors.Is(err, storage.ErrBackupPostgres) {
			return fmt.Errorf("backup: %s is PostgreSQL: use pg_dump --format=custom (docs/operations.md)", maskedDB(cfg.DB))
		}
		return err
	}
	fmt.Fprintf(stdout, "exaccess: wrote a consistent backup of %s to %s\n", maskedDB(cfg.DB), out)
	return nil
}
