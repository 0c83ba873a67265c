package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"exaccess/storage"
)

// runRestore puts a SQLite backup in place of the database, for a stopped
// server: it refuses while any process has the database open, checks the
// backup before touching the database, and moves the database it replaces
// aside with its -wal and -shm (storage.Restore). The checkpoint key's head
// file is the operator's to put back (docs/operations.md): this command
// does not know which one goes with the backup.
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, dsn := dbFlags("restore", getenv, stderr)
	from := fs.String("from", "", "the backup file to restore (written by exaccess backup)")
	create := fs.Bool("create", false, "there is no database at --db yet (a new machine or a new path): create it from the backup")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" {
		return missingFlag(fs, "--from is required")
	}
	if err := restoreTarget(*dsn, *create); err != nil {
		return err
	}
	r, err := storage.Restore(ctx, *from, *dsn, time.Now())
	switch {
	case errors.Is(err, storage.ErrRestorePostgres):
		return fmt.Errorf("restore: %s is PostgreSQL: use pg_restore (docs/operations.md)", maskedDB(*dsn))
	case errors.Is(err, storage.ErrInUse):
		return fmt.Errorf("restore: a process has %s open (a server, another exaccess command, sqlite3): stop it first; nothing was changed", maskedDB(*dsn))
	case err != nil:
		// storage's errors name the step already: said once.
		return errors.New("restore: " + strings.TrimPrefix(err.Error(), "storage: restore: "))
	}
	if *create {
		fmt.Fprintf(stdout, "exaccess: there was no database at %s; created it from %s (schema version %d)\n", maskedDB(*dsn), *from, r.SchemaVersion)
	} else {
		fmt.Fprintf(stdout, "exaccess: restored %s from %s (schema version %d)\n", maskedDB(*dsn), *from, r.SchemaVersion)
	}
	if r.Replaced != "" {
		fmt.Fprintf(stdout, "exaccess: the database it replaced is kept as %s (with its -wal and -shm, if any)\n", r.Replaced)
	}
	fmt.Fprintln(stdout, "exaccess: before starting the server, put back the checkpoint head file (<key file>.head) saved with this backup, or move the current one aside (docs/operations.md, \"Backup and restore\")")
	return nil
}

// restoreTarget checks that --db is what the restore is told it is: a
// database that exists, or with --create a path where none does. Without
// it a mistyped --db (exacess.db) would become a new database beside the
// one meant, and the server would go on with the old one.
func restoreTarget(path string, create bool) error {
	if storage.IsPostgresDSN(path) || strings.Contains(path, "://") {
		return nil // refused by storage.Restore, naming pg_restore
	}
	_, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !create:
		return fmt.Errorf("restore: no database at %s; to create it there from the backup (a new machine or a new path), add --create; nothing was changed", path)
	case err == nil && create:
		return fmt.Errorf("restore: --create, but %s exists; restore onto it without --create (the database it replaces is kept beside it); nothing was changed", path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}
