package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A flag that does not parse is one line naming the flag and what it
// takes, with a pointer to the command's flags; the command's usage (sixty
// lines for serve) is printed only for -h.
func TestFlagErrorsAreOneLine(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--token-ttl", "2 hours"}, `serve: --token-ttl "2 hours" must be a duration like 1h, 30m or 90s; see 'exaccess serve -h'`},
		{[]string{"serve", "--token-ttl=2 hours"}, `serve: --token-ttl "2 hours" must be a duration like 1h`},
		{[]string{"serve", "--demo=maybe"}, `serve: --demo "maybe" must be true or false; see 'exaccess serve -h'`},
		{[]string{"serve", "--nope"}, `serve: unknown flag --nope; see 'exaccess serve -h'`},
		{[]string{"serve", "--addr"}, `serve: --addr needs a value; see 'exaccess serve -h'`},
		{[]string{"audit", "verify", "--quorum", "two"}, `audit verify: --quorum "two" must be a whole number; see 'exaccess audit verify -h'`},
		{[]string{"user", "add", "--role", "boss"}, `user add: --role "boss": unknown role "boss"`},
		{[]string{"permit", "verify", "p.txt", "--kye", "k.txt"}, `permit verify: unknown flag --kye; see 'exaccess permit verify -h'`},
		{[]string{"policy", "check", "--strict"}, `policy check: unknown flag --strict; see 'exaccess policy check -h'`},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), c.args, env(nil), nil, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") || !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want one line containing %s", c.args, err, c.want)
		}
		if stdout.Len()+stderr.Len() > 0 {
			t.Errorf("%q printed more than the error:\n%s%s", c.args, stdout.String(), stderr.String())
		}
	}
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"serve", "-h"}, env(nil), nil, &stderr, &stderr); err != nil ||
		!strings.Contains(stderr.String(), "-token-ttl duration") {
		t.Errorf("serve -h: %v\n%s", err, stderr.String())
	}
}

// The real binary: a mistake in the command line exits 2 with one line on
// standard error; permit verify exits 1 only when it checked the permit
// and found it not valid, and 2 when its key file holds no verifier key.
func TestExitCodes(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	private, permit := filepath.Join(dir, "checkpoint.key"), filepath.Join(dir, "permit.txt")
	signedPermit(t, private, permit, timeOfPermits)
	otherKey := filepath.Join(dir, "other.txt")
	os.WriteFile(otherKey, []byte(signedPermit(t, filepath.Join(dir, "other.key"), filepath.Join(dir, "p2.txt"), timeOfPermits)+"\n"), 0o600)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "--token-ttl", "2 hours"}, 2, `exaccess: serve: --token-ttl "2 hours" must be a duration like 1h, 30m or 90s; see 'exaccess serve -h'`},
		{[]string{"frobnicate"}, 2, `exaccess: unknown command "frobnicate"; see 'exaccess help'`},
		{[]string{"permit", "verify", permit, "--key", private}, 2, "exaccess: permit verify: --key " + private + ": this is the private checkpoint signing key"},
		{[]string{"permit", "verify", permit, "--key", otherKey}, 1, "exaccess: permit verify: the permit is not valid"},
	} {
		cmd := exec.Command(bin, c.args...)
		cmd.Env = append(os.Environ(), "EXACCESS_DB="+filepath.Join(dir, "none.db"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != c.code || strings.Count(stderr.String(), "\n") != 1 || !strings.HasPrefix(stderr.String(), c.want) {
			t.Errorf("exaccess %q: %v, want exit %d and one line %s…; stderr:\n%s", c.args, err, c.code, c.want, stderr.String())
		}
	}
}

// Values that parse as flags but make no sense are mistakes in the command
// line too: one line with a pointer to the command's flags, exit 2.
func TestFlagValueMistakesExit2(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--bogus"}, `bench: unknown flag --bogus; see 'exaccess bench -h'`},
		{[]string{"bench", "--target", "nonsense"}, `bench: --target "nonsense" is not an http(s) URL; see 'exaccess bench -h'`},
		{[]string{"bench", "--clients", "0"}, `bench: --clients must be between 1 and 1024; see 'exaccess bench -h'`},
		{[]string{"bench", "--duration", "1ms"}, `bench: --duration must be at least 100ms; see 'exaccess bench -h'`},
		{[]string{"bench", "--ops", "x"}, `bench: --ops: unknown operation "x"`},
		{[]string{"user", "list", "--db", filepath.Join(dir, "u.db"), "--role", "No-Such"}, `user list: --role "No-Such": unknown role`},
		{[]string{"user", "list", "--db", filepath.Join(dir, "u.db"), "--disabled", "maybe"}, `user list: --disabled "maybe" must be true or false; see 'exaccess user list -h'`},
		{[]string{"serve", "--addr", "nonsense", "--db", filepath.Join(dir, "x.db")}, `--addr "nonsense" is not host:port`},
		{[]string{"serve", "--metrics-addr", "9090", "--db", filepath.Join(dir, "x.db")}, `--metrics-addr "9090" is not host:port or off`},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), c.args, env(nil), nil, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "; see 'exaccess ") ||
			strings.Contains(err.Error(), "\n") || exitCode(err) != 2 {
			t.Errorf("%q: %v (exit %d), want exit 2 and one line containing %s and a pointer", c.args, err, exitCode(err), c.want)
		}
	}
	// Nothing was opened before the mistake was found.
	for _, name := range []string{"x.db", "u.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was created: %v", name, err)
		}
	}
}

// A port that is taken stops serve before it creates the database.
func TestServeBusyPortCreatesNoDatabase(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	db := filepath.Join(t.TempDir(), "x.db")
	err = run(context.Background(), []string{"serve", "--addr", ln.Addr().String(), "--metrics-addr", "off", "--db", db}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || exitCode(err) != 1 {
		t.Errorf("serve on a taken port: %v, want a failure with exit 1", err)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the database was created: %v", err)
	}
}

// firstRead closes reading at its first Read: the command waits for the
// password.
type firstRead struct {
	io.Reader
	reading chan struct{}
}

func (f firstRead) Read(p []byte) (int, error) {
	select {
	case <-f.reading:
	default:
		close(f.reading)
	}
	return f.Reader.Read(p)
}

// Ctrl-C or SIGTERM while `user add` waits for the password ends the
// wait: it does not block on standard input until it is closed.
func TestUserAddInterruptedWhileReadingPassword(t *testing.T) {
	stdin, w := io.Pipe() // never written
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	db := filepath.Join(t.TempDir(), "x.db")
	if err := run(ctx, []string{"migrate", "--db", db}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	waiting := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- runUserAdd(ctx, []string{"--db", db, "--username", "ann", "--role", "auditor"}, env(nil),
			firstRead{stdin, waiting}, io.Discard, io.Discard)
	}()
	<-waiting // the flags and the database are checked before the wait
	cancel()
	select {
	case err := <-errc:
		if err == nil || strings.Contains(err.Error(), "bytes") || !strings.Contains(err.Error(), "interrupted") || exitCode(err) != 1 {
			t.Errorf("interrupted user add: %v, want an interruption (exit 1), not a password length", err)
		}
	case <-time.After(time.Second):
		t.Fatal("user add did not return within a second of the interruption")
	}
}
