package storage_test

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// What --db names: PostgreSQL in either of its DSN forms, a SQLite file
// otherwise, even with '=' or spaces in its path.
func TestIsPostgresDSN(t *testing.T) {
	for dsn, want := range map[string]bool{
		"postgres://app:pw@db/exaccess":                                  true,
		"postgresql://db/exaccess?sslmode=require":                       true,
		"host=127.0.0.1 user=postgres password=s3cretpw dbname=exaccess": true,
		"dbname=exaccess":                   true,
		"user=app host=/var/run/postgresql": true,
		"host = db port = 5433":             true,
		"sslmode=disable\thost=db":          true,
		"password='a b' host=db":            true,
		"HOST=db":                           true, // pgx would not know it; still never a file name
		"user=lo-no.db":                     true, // documented: ./user=lo-no.db is the file
		"/data/2026 user=lo-no.db":          true, // likewise
		"exaccess.db":                       false,
		"/var/lib/exaccess/exaccess.db":     false,
		"/var/lib/postgresql/exaccess.db":   false,
		"postgres.db":                       false,
		"./host=db.db":                      false,
		"/data/run=3/user=1.db":             false,
		"/srv/exercise access/exaccess.db":  false,
		"/srv/backups/a=b c=d.db":           false,
		"/tmp/my hostname=x.db":             false, // "hostname" is not "host"
		"exaccess-user=ops.db":              false,
		"postgress://app:pw@db/exaccess":    false, // refused by Open (below), never a path
		"":                                  false,
	} {
		if got := storage.IsPostgresDSN(dsn); got != want {
			t.Errorf("IsPostgresDSN(%q) = %v, want %v", dsn, got, want)
		}
	}
}

// A key=value DSN with a keyword in upper or mixed case is refused, naming
// the keyword and its lower-case spelling: pgx knows only the latter, and
// would connect to its default host instead of HOST=. Values are never
// read as keywords, whatever their case.
func TestUpperCaseDSNKeywordRefused(t *testing.T) {
	for dsn, keyword := range map[string]string{
		"HOST=db user=app dbname=exaccess":            "HOST must be written in lower case, host=",
		"host=db User=app dbname=exaccess":            "User must be written in lower case, user=",
		"host=db password='a b' SSLMode=verify-full":  "SSLMode must be written in lower case, sslmode=",
		"host=db password=s3cret\\ x DBNAME=exaccess": "DBNAME must be written in lower case, dbname=",
	} {
		_, err := storage.Open(context.Background(), dsn)
		if err == nil || !strings.Contains(err.Error(), "keyword "+keyword) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q): %v, want the keyword named", dsn, err)
		}
	}
	for _, dsn := range []string{
		"host=127.0.0.1 port=1 connect_timeout=1 password='HOST=x' application_name=ExAccess",
		"host=127.0.0.1 port=1 connect_timeout=1 options=-cDateStyle=ISO DateStyle=ISO", // not a keyword: a server setting
	} {
		_, err := storage.Open(context.Background(), dsn)
		if err == nil || strings.Contains(err.Error(), "lower case") {
			t.Errorf("Open(%q): %v, want only the connection refused", dsn, err)
		}
	}
}

// A PostgreSQL DSN in the key=value form opens PostgreSQL: it never
// becomes a SQLite file named after the DSN, password included.
func TestKeyValueDSNOpensPostgres(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		if c.Name != storage.DialectPostgres {
			continue
		}
		u, err := url.Parse(c.DSN)
		if err != nil {
			t.Fatal(err)
		}
		kv := "host=" + u.Hostname() + " dbname=" + strings.TrimPrefix(u.Path, "/") + " application_name=ExAccess-Test"
		if p := u.Port(); p != "" {
			kv += " port=" + p
		}
		if u.User != nil {
			kv += " user=" + u.User.Username()
			if pw, ok := u.User.Password(); ok {
				kv += " password='" + pw + "'"
			}
		}
		if m := u.Query().Get("sslmode"); m != "" {
			kv += " sslmode=" + m
		}
		dir := t.TempDir()
		t.Chdir(dir)
		db, err := storage.Open(context.Background(), kv)
		if err != nil {
			t.Fatalf("open the key=value DSN: %v", err)
		}
		defer db.Close()
		if db.Dialect() != storage.DialectPostgres {
			t.Errorf("a key=value DSN opened %s", db.Dialect())
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("opening a key=value DSN left files: %v", entries)
		}
	}
}

// A new SQLite database and its -wal and -shm files are the owner's only,
// whatever the umask lets through: they hold the token signing key,
// webhook secrets and password hashes. So is a backup of it.
func TestNewDatabaseFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022) // the usual umask, under which SQLite's own files are 0644
	defer syscall.Umask(old)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "new.db")
	db := storagetest.Open(t, path) // migrated: the WAL has been written
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(p), info.Mode().Perm())
		}
	}
	if got := db.ExposedFiles(); len(got) != 0 {
		t.Errorf("a new database reports exposed files: %v", got)
	}
	out := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(out); err != nil || info.Mode().Perm() != 0o600 || info.Size() == 0 {
		t.Errorf("backup: %v, %v", info.Mode(), err)
	}

	// An existing database that others may read is reported.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	got := db.ExposedFiles()
	if len(got) != 1 || got[0].Path != path || got[0].Mode != 0o644 {
		t.Errorf("ExposedFiles after chmod 644: %v", got)
	}
}

// A failed backup leaves no file behind, and never writes over one.
func TestBackupTargets(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := storagetest.Open(t, filepath.Join(dir, "live.db"))
	taken := filepath.Join(dir, "taken.db")
	if err := os.WriteFile(taken, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, taken); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("backup over a file: %v", err)
	}
	if b, _ := os.ReadFile(taken); string(b) != "keep me" {
		t.Errorf("the existing file was changed: %q", b)
	}
	missing := filepath.Join(dir, "no-such-dir", "b.db")
	if err := db.Backup(ctx, missing); err == nil {
		t.Error("backup into a missing directory succeeded")
	}
}

// OpenExisting refuses a SQLite path with no file and creates nothing;
// Open refuses a DSN of an unknown scheme instead of making it a file.
func TestOpenRefusesWhatIsNotADatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Chdir(dir)
	missing := filepath.Join(dir, "exacess.db")
	if _, err := storage.OpenExisting(ctx, missing); !errors.Is(err, storage.ErrNoDatabase) {
		t.Errorf("OpenExisting of a missing file: %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenExisting created %s: %v", missing, err)
	}
	for _, dsn := range []string{"postgress://app:s3cret@db/exaccess", "mysql://app:s3cret@db/exaccess"} {
		db, err := storage.Open(ctx, dsn)
		if err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", dsn)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q): the error shows the password: %v", dsn, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
	// An existing file opens.
	db, err := storage.Open(ctx, missing)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = storage.OpenExisting(ctx, missing)
	if err != nil {
		t.Fatalf("OpenExisting of an existing file: %v", err)
	}
	db.Close()
}
