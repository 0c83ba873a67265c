package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"exaccess/auditlog"
	"exaccess/internal/testlog"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// serveLogged runs `exaccess serve` in-process until it listens, then stops
// it as SIGTERM would, and returns what it logged and its error.
func serveLogged(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	logs := &testlog.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off"}, args...), env(nil), nil, outW, logs)
		outW.Close()
	}()
	sc := bufio.NewScanner(outR)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "listening on ") {
			break
		}
	}
	go io.Copy(io.Discard, outR)
	cancel()
	select {
	case err := <-done:
		return logs.String(), err
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
		return "", nil
	}
}

// A PostgreSQL DSN in the key=value form is PostgreSQL: no command turns it
// into a SQLite file, key file or head file named after it, and no output
// shows its password. Here nothing listens at its address, so each command
// fails to connect, and says so.
func TestKeyValueDSNIsNeverAFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	const dsn = "host=127.0.0.1 port=1 user=postgres password=s3cretpw dbname=exaccess connect_timeout=2"
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off"},
		{"migrate"}, {"user", "list"}, {"user", "disable", "--username", "x", "--reason", "y"},
		{"user", "add", "--username", "admin", "--role", "admin"}, {"backup", "--out", "b.db"},
	} {
		var out, logs bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a serve that did start stops
		err := run(ctx, append(args, "--db", dsn), env(nil), strings.NewReader("a long enough password\n"), &out, &logs)
		cancel()
		if err == nil {
			t.Errorf("%v on an unreachable PostgreSQL succeeded", args)
			continue
		}
		if all := err.Error() + out.String() + logs.String(); strings.Contains(all, "s3cretpw") {
			t.Errorf("%v shows the password:\n%s", args, all)
		}
		if strings.Contains(logs.String(), `"db"`) && !strings.Contains(logs.String(), "password=xxxxx") {
			t.Errorf("%v: the start line does not mask the DSN: %s", args, logs.String())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the commands left files: %v", entries)
	}
}

// On a real PostgreSQL, serve with a key=value DSN keeps its checkpoint key
// and head file under the PostgreSQL default name, never under one made
// from the DSN, and logs no password.
func TestKeyValueDSNServesPostgres(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		if c.Name != storage.DialectPostgres {
			continue
		}
		dir := t.TempDir()
		t.Chdir(dir)
		kv := keyValueDSN(t, c.DSN) + " password=s3cretpw" // ignored by a server that trusts local connections
		logs, err := serveLogged(t, "--db", kv)
		if err != nil {
			t.Fatalf("serve: %v\n%s", err, logs)
		}
		if strings.Contains(logs, "s3cretpw") {
			t.Errorf("the log shows the password:\n%s", logs)
		}
		var names []string
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if strings.Join(names, " ") != postgresKeyFile+" "+postgresKeyFile+".head" {
			t.Errorf("files in the working directory: %q", names)
		}
	}
}

// keyValueDSN writes a postgres:// URL without password in the key=value form.
func keyValueDSN(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	kv := "host=" + u.Hostname() + " dbname=" + strings.TrimPrefix(u.Path, "/")
	if u.Port() != "" {
		kv += " port=" + u.Port()
	}
	if u.User != nil {
		kv += " user=" + u.User.Username()
	}
	if m := u.Query().Get("sslmode"); m != "" {
		kv += " sslmode=" + m
	}
	return kv
}

// Every command but serve and migrate refuses a SQLite path with no file,
// instead of leaving a new database there (with the first administrator in
// it, for user add).
func TestCommandsRefuseAMissingDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	typo := filepath.Join(dir, "exacess.db")
	keyFile := filepath.Join(dir, "key.txt")
	skey, _ := auditlog.GenerateSignerKey()
	signer, err := auditlog.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(keyFile, []byte(signer.VerifierKey()+"\n"), 0o600) // --key files are read, and checked, first
	for _, args := range [][]string{
		{"user", "add", "--username", "admin", "--role", "admin"}, {"user", "list"},
		{"user", "disable", "--username", "x", "--reason", "y"}, {"user", "reset-password", "--username", "x"},
		{"audit", "verify", "--key", keyFile}, {"backup", "--out", filepath.Join(dir, "b.db")},
	} {
		err := run(ctx, append(args, "--db", typo), env(nil), strings.NewReader("a long enough password\n"), io.Discard, io.Discard)
		if want := "no database at " + typo + " (serve or migrate creates one)"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v on a missing database: %v, want %q", args, err, want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("%v left files: %v", args, entries)
		}
	}
	if err := run(ctx, []string{"migrate", "--db", typo}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("migrate creates the database: %v", err)
	}
	if err := run(ctx, []string{"user", "list", "--db", typo}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Errorf("user list once it exists: %v", err)
	}
}

// A word that is not a flag ends Go's flag parsing; every command refuses
// it, naming it, instead of ignoring the flags after it.
func TestStrayArgumentsRefused(t *testing.T) {
	cmds := dispatchedCommands(t)
	t.Chdir(t.TempDir())                                                     // a command that ignored the words would work on ./exaccess.db
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // and a serve stops
	defer cancel()
	// audit key, verify and rotate-key parse their flags in audit.go, which
	// does not use the shared check yet.
	for _, cmd := range cmds {
		// policy check and test take a DIR, permit verify a FILE: the
		// second word is the stray one there.
		args := append(strings.Fields(cmd), "first", "second")
		err := run(ctx, args, env(nil), strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "unexpected argument") || !errors.Is(err, errUsage) {
			t.Errorf("exaccess %s with stray words: %v", cmd, err)
		}
	}

	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--demo", "true", "--addr", "127.0.0.1:0", "--db", db},
			`serve: unexpected argument "true"; a true/false flag takes its value after '=': --demo=true`},
		{[]string{"user", "roles", "--username", "ops2", "--role", "ministry", "--reason", "covering", "more", "--role", "operations_approver", "--db", db},
			`user roles: unexpected argument "more"; quote a value that holds spaces: --reason "covering more"`},
		{[]string{"user", "disable", "--username", "lo-at", "--reason", "left", "the", "HQ", "--db", db},
			`user disable: unexpected argument "the"; quote a value that holds spaces: --reason "left the HQ"`},
		{[]string{"user", "disable", "--username=lo-at", "--reason=left", "the", "HQ"},
			`quote a value that holds spaces: --reason "left the HQ"`},
		{[]string{"migrate", "exaccess.db"}, `migrate: unexpected argument "exaccess.db"; every argument must be a flag`},
		{[]string{"backup", "--out", "b.db", "--", "--db", db}, `backup: unexpected argument "--db"`},
		{[]string{"policy", "check", "a", "b"}, `policy check: unexpected argument "b"; it takes at most one directory`},
		{[]string{"permit", "verify", "p.json", "--key", "k", "extra"}, `permit verify: unexpected argument "extra"`},
		{[]string{"permit", "verify", "--key", "k", "p.json", "extra"}, `permit verify: unexpected argument "extra"`},
	} {
		err := run(ctx, tc.args, env(nil), strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %v\nwant %s", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused command line created the database: %v", err)
	}
}

// setSchemaVersion makes the database at path claim another schema
// version: the last migration unrecorded (behind) or one from the future.
func setSchemaVersion(t *testing.T, path string, behind bool) {
	t.Helper()
	conn, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stmt := "INSERT INTO schema_migrations (version, applied_at) VALUES (9999, CURRENT_TIMESTAMP)"
	if behind {
		stmt = "DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)"
	}
	if _, err := conn.Exec(stmt); err != nil {
		t.Fatal(err)
	}
}

// backup copies a database of any schema version (the one to take before a
// new binary migrates it), into a file only its owner may read.
func TestBackupOfAnyVersion(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	ctx := context.Background()
	dir := t.TempDir()
	for _, behind := range []bool{true, false} {
		db := filepath.Join(dir, "db-"+map[bool]string{true: "behind", false: "ahead"}[behind]+".db")
		if err := run(ctx, []string{"migrate", "--db", db}, env(nil), nil, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		setSchemaVersion(t, db, behind)
		if err := run(ctx, []string{"user", "list", "--db", db}, env(nil), nil, io.Discard, io.Discard); err == nil {
			t.Errorf("user list on a database of another version succeeded (behind: %v)", behind)
		}
		out := db + ".bak"
		var stdout bytes.Buffer
		if err := run(ctx, []string{"backup", "--db", db, "--out", out}, env(nil), nil, &stdout, io.Discard); err != nil {
			t.Fatalf("backup (behind: %v): %v", behind, err)
		}
		want := storage.LatestVersion() - 1
		if !behind {
			want = 9999
		}
		if !strings.Contains(stdout.String(), "(schema version "+strconv.Itoa(want)+")") {
			t.Errorf("backup said %q, want schema version %d", stdout.String(), want)
		}
		info, err := os.Stat(out)
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("the backup's mode: %v, %v", info.Mode(), err)
		}
	}
}

// serve warns at start of a database file that others may read, naming
// the file and its mode.
func TestServeWarnsOfAnExposedDatabase(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "exposed.db")
	if err := run(ctx, []string{"migrate", "--db", db}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(db); info.Mode().Perm() != 0o600 {
		t.Errorf("migrate created the database with mode %v", info.Mode().Perm())
	}
	logs, err := serveLogged(t, "--db", db)
	if err != nil || strings.Contains(logs, `"level":"WARN","msg":"the database file`) {
		t.Fatalf("serve on a private database: %v\n%s", err, logs)
	}
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	logs, err = serveLogged(t, "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs, `"level":"WARN","msg":"the database file is readable or writable by group or others`) ||
		!strings.Contains(logs, `"path":"`+db+`","mode":"0644"`) {
		t.Errorf("no warning of the exposed database:\n%s", logs)
	}
}

// restore puts a backup in place of a stopped server's database; while the
// server runs it refuses and changes nothing.
func TestRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, backup := filepath.Join(dir, "live.db"), filepath.Join(dir, "backup.db")
	base, stop := startServer(t, []string{"--demo", "--db", db}, nil)
	signIn(t, base, "lo-no")
	if err := run(ctx, []string{"backup", "--db", db, "--out", backup}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	addUser(t, db, "after-backup")
	if runtime.GOOS == "linux" {
		err := run(ctx, []string{"restore", "--from", backup, "--db", db}, env(nil), nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "stop it first; nothing was changed") {
			t.Errorf("restore under a running server: %v", err)
		}
		if !hasUser(t, db, "after-backup") {
			t.Fatal("the refused restore changed the database")
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"restore", "--from", filepath.Join(dir, "nothing.db"), "--db", db}, env(nil), nil, io.Discard, io.Discard); err == nil {
		t.Error("restore from a missing file succeeded")
	}
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, []byte("not a database at all, but long enough to be read as one by mistake"), 0o600)
	if err := run(ctx, []string{"restore", "--from", notDB, "--db", db}, env(nil), nil, io.Discard, io.Discard); err == nil {
		t.Error("restore from a file that is no database succeeded")
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"restore", "--from", backup, "--db", db}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !strings.Contains(out.String(), "restored "+db) || !strings.Contains(out.String(), "head file") {
		t.Errorf("restore said %q", out.String())
	}
	if hasUser(t, db, "after-backup") || !hasUser(t, db, "lo-no") {
		t.Error("the restored database is not the backup")
	}
	if info, _ := os.Stat(db); info.Mode().Perm() != 0o600 {
		t.Errorf("the restored database's mode: %v", info.Mode().Perm())
	}
	replaced, _ := filepath.Glob(db + ".replaced-*")
	if len(replaced) != 1 || !hasUser(t, replaced[0], "after-backup") {
		t.Errorf("the replaced database is not kept: %v", replaced)
	}
	err := run(ctx, []string{"restore", "--from", backup, "--db", "postgres://app:s3cret@db/exaccess"}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "pg_restore") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("restore onto PostgreSQL: %v", err)
	}
}

func hasUser(t *testing.T, db, name string) bool {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"user", "list", "--db", db}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("user list: %v", err)
	}
	return strings.Contains(out.String(), "\n"+name+" ")
}

// A restore onto a path with no database (a mistyped --db) is refused,
// naming the path, and creates nothing; with --create it makes the
// database there and says so; --create onto an existing database is
// refused.
func TestRestoreNeedsCreateForANewPath(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, backup := filepath.Join(dir, "exaccess.db"), filepath.Join(dir, "backup.db")
	addUser(t, db, "in-backup")
	if err := run(ctx, []string{"backup", "--db", db, "--out", backup}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	typo := filepath.Join(dir, "exacess.db")
	var out bytes.Buffer
	err := run(ctx, []string{"restore", "--from", backup, "--db", typo}, env(nil), nil, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "restore: no database at "+typo+"; to create it there from the backup (a new machine or a new path), add --create") ||
		strings.Contains(err.Error(), "\n") || out.Len() > 0 {
		t.Errorf("restore onto a mistyped path: %v\n%s", err, out.String())
	}
	if leftover, _ := filepath.Glob(typo + "*"); len(leftover) > 0 {
		t.Errorf("the refused restore left %v", leftover)
	}
	if err := run(ctx, []string{"restore", "--from", backup, "--db", db, "--create"}, env(nil), nil, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "--create, but "+db+" exists") {
		t.Errorf("restore --create onto a database: %v", err)
	}
	if replaced, _ := filepath.Glob(db + ".replaced-*"); len(replaced) > 0 {
		t.Errorf("the refused restore moved the database aside: %v", replaced)
	}
	fresh := filepath.Join(dir, "new", "exaccess.db")
	os.Mkdir(filepath.Dir(fresh), 0o700)
	if err := run(ctx, []string{"restore", "--from", backup, "--db", fresh, "--create"}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "there was no database at "+fresh+"; created it from "+backup) || !hasUser(t, fresh, "in-backup") {
		t.Errorf("restore --create said %q", out.String())
	}
}
