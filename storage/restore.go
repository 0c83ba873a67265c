package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"exaccess/internal/fsync"
)

// ErrInUse says that a process (a server, a command, sqlite3) has the
// SQLite database open, so it must not be replaced.
var ErrInUse = errors.New("storage: a process has the database open")

// ErrRestorePostgres says that PostgreSQL databases are restored with
// pg_restore.
var ErrRestorePostgres = errors.New("storage: restore PostgreSQL with pg_restore (see docs/operations.md)")

// Restored says what Restore did.
type Restored struct {
	SchemaVersion int
	// Replaced is where the database that was at the path now is, its
	// -wal and -shm beside it under the same name; "" when there was none.
	Replaced string
}

// Restore puts the SQLite backup from in place of the database at path,
// for a stopped server. It refuses while any process has the database open
// (Linux only; lockUnused): copying a file over a database in use corrupts
// it without a word. The backup is copied (mode 0600) and checked as a
// database of its own (integrity check, an exaccess schema) before
// anything at path is touched; then the database, with its -wal and -shm,
// is moved aside, never deleted — a write-ahead log left beside the new
// file would be applied to it — and the copy renamed into place.
func Restore(ctx context.Context, from, path string, now time.Time) (Restored, error) {
	if IsPostgresDSN(path) {
		return Restored{}, ErrRestorePostgres
	}
	if strings.Contains(path, "://") {
		return Restored{}, errUnknownScheme
	}
	release, err := lockUnused(path)
	if err != nil {
		return Restored{}, err
	}
	defer release()
	tmp := path + ".restoring"
	if err := copyNew(from, tmp); err != nil {
		return Restored{}, err
	}
	defer os.Remove(tmp) // gone once renamed into place
	// A backup with a write-ahead log beside it (a database moved aside by
	// an earlier restore, a copy of a stopped server's files) holds
	// commits in that log: it is copied too, and opening the copy to check
	// it folds them in. Without it they would be lost without a word.
	if err := copyWAL(from, tmp); err != nil {
		return Restored{}, err
	}
	defer os.Remove(tmp + "-wal")
	version, err := checkBackup(ctx, tmp)
	if err != nil {
		return Restored{}, err
	}
	if _, err := os.Lstat(tmp + "-wal"); err == nil {
		return Restored{}, fmt.Errorf("storage: restore: the backup's write-ahead log was not folded into %s; nothing was changed", tmp)
	}
	replaced, err := moveAside(path, now)
	if err != nil {
		return Restored{}, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return Restored{}, fmt.Errorf("storage: restore: %w (the database that was there is %s)", err, replaced)
	}
	if err := fsync.Dir(filepath.Dir(path)); err != nil {
		return Restored{}, fmt.Errorf("storage: restore: %w", err)
	}
	return Restored{SchemaVersion: version, Replaced: replaced}, nil
}

// copyNew copies from to a new file to, mode 0600, and syncs it.
func copyNew(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("storage: restore: %w", err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("storage: restore: %s exists: an earlier restore was interrupted; remove it", to)
	}
	if err != nil {
		return fmt.Errorf("storage: restore: %w", err)
	}
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(to)
		return fmt.Errorf("storage: restore: %w", err)
	}
	return nil
}

// copyWAL copies from's write-ahead log, if it has one that is not empty,
// beside the copy to.
func copyWAL(from, to string) error {
	st, err := os.Stat(from + "-wal")
	if errors.Is(err, fs.ErrNotExist) || (err == nil && st.Size() == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("storage: restore: %w", err)
	}
	return copyNew(from+"-wal", to+"-wal")
}

// checkBackup opens the copy as a database, checks its integrity and that
// it holds an exaccess schema, and returns the schema's version. Closing
// it folds its write-ahead log back in, so the file stands alone.
func checkBackup(ctx context.Context, path string) (int, error) {
	db, err := OpenExisting(ctx, path)
	if err != nil {
		return 0, fmt.Errorf("storage: restore: the backup does not open: %w", err)
	}
	v, err := checkOpened(ctx, db)
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("storage: restore: %w", cerr)
	}
	return v, err
}

func checkOpened(ctx context.Context, db *DB) (int, error) {
	var result string
	if err := db.IntegrityCheck(ctx, &result); err != nil {
		return 0, fmt.Errorf("storage: restore: the backup is not a sound database: %w", err)
	}
	if result != "ok" {
		return 0, fmt.Errorf("storage: restore: the backup fails SQLite's integrity check: %s", result)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return 0, err
	}
	if v == 0 {
		return 0, errors.New("storage: restore: the backup holds no exaccess schema")
	}
	return v, nil
}

// moveAside renames the database at path and its -wal and -shm to
// path.replaced-<time>, keeping the three together. It returns the new
// name of the database, or "" when there was none.
func moveAside(path string, now time.Time) (string, error) {
	aside, err := freeAside(path + ".replaced-" + now.UTC().Format("20060102T150405Z"))
	if err != nil {
		return "", err
	}
	var moved []string
	for _, suffix := range []string{"", "-wal", "-shm"} {
		err := os.Rename(path+suffix, aside+suffix)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			for _, s := range moved { // put back what moved, so the three stay together
				os.Rename(aside+s, path+s)
			}
			return "", fmt.Errorf("storage: restore: move the database aside: %w", err)
		}
		moved = append(moved, suffix)
	}
	if len(moved) == 0 || moved[0] != "" {
		return "", nil
	}
	return aside, nil
}

// freeAside returns base, or base-2, base-3 … , the first name under
// which none of a database's three files exists: a rename would replace
// one that does (two restores within a second), losing the database
// moved aside before.
func freeAside(base string) (string, error) {
	for n := 1; n <= 1000; n++ {
		name := base
		if n > 1 {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		free := true
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if _, err := os.Lstat(name + suffix); !errors.Is(err, fs.ErrNotExist) {
				free = false
				break
			}
		}
		if free {
			return name, nil
		}
	}
	return "", fmt.Errorf("storage: restore: no free name to move the database aside to beside %s", base)
}
