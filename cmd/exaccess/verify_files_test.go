package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// auditFixture is a database with a kept checkpoint, an export of it, the
// verifier key file, and the head file beside the checkpoint key.
type auditFixture struct {
	dir, db, export, key, head, private string
}

func newAuditFixture(t *testing.T) auditFixture {
	t.Helper()
	dir := t.TempDir()
	f := auditFixture{dir: dir, db: filepath.Join(dir, "a.db"), export: filepath.Join(dir, "export.ndjson"),
		key: filepath.Join(dir, "audit-key.txt")}
	addUser(t, f.db, "aud-a")
	addUser(t, f.db, "aud-b")
	addUser(t, f.db, "aud-c")
	writeExport(t, f.db, f.export)
	f.private = checkpointKeyFor(t, f.db)
	f.head = f.private + ".head"
	var key bytes.Buffer
	if err := run(context.Background(), []string{"audit", "key", "--checkpoint-key", f.private}, env(nil), nil, &key, io.Discard); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(f.key, key.Bytes(), 0o600)
	return f
}

// verifyArgs runs exaccess audit verify with args.
func verifyArgs(args ...string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"audit", "verify"}, args...), env(nil), nil, &out, io.Discard)
	return out.String(), err
}

// A --key, --head or --previous file that cannot be used (the private key,
// an empty file, a saved error page, a missing file, a file that is no
// checkpoint) is a mistake in the command line, exit 2 with "the log was
// not checked", as permit verify answers: never exit 1, which says the log
// did not verify. Neither --export nor --db is one too.
func TestVerifyUnusableFilesAreNoVerdict(t *testing.T) {
	f := newAuditFixture(t)
	empty, page := filepath.Join(f.dir, "empty.txt"), filepath.Join(f.dir, "page.html")
	os.WriteFile(empty, nil, 0o600)
	os.WriteFile(page, []byte("<html><body><h1>502 Bad Gateway</h1></body></html>\n"), 0o600)
	missing := filepath.Join(f.dir, "missing.txt")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--export", f.export, "--key", f.private}, "this is the private checkpoint signing key"},
		{[]string{"--db", f.db, "--key", f.private}, "this is the private checkpoint signing key"},
		{[]string{"--export", f.export, "--key", empty}, "no verifier key given"},
		{[]string{"--export", f.export, "--key", page}, "is not a verifier key"},
		{[]string{"--export", f.export, "--key", missing}, "no such file"},
		{[]string{"--db", f.db, "--key", f.key, "--head", missing}, "--head: open"},
		{[]string{"--db", f.db, "--key", f.key, "--head", page}, "not a checkpoint"},
		{[]string{"--db", f.db, "--key", f.key, "--head", f.export}, "not a checkpoint"},
		{[]string{"--export", f.export, "--key", f.key, "--previous", missing}, "--previous: open"},
		{[]string{"--export", f.export, "--key", f.key, "--previous", page}, "neither an export nor a checkpoint: not a signed tree head"},
		{[]string{"--db", f.db, "--key", f.key, "--previous", page}, "neither an export nor a checkpoint: not a signed tree head"},
		{[]string{"--key", f.key}, "give --export FILE (an export) or --db D (a database)"},
	} {
		out, err := verifyArgs(c.args...)
		if exitCode(err) != 2 || errors.Is(err, errNotVerified) || !strings.Contains(err.Error(), c.want) ||
			(!strings.Contains(c.want, "give --export") && !strings.Contains(err.Error(), "the log was not checked")) ||
			strings.Contains(err.Error(), "PRIVATE") || strings.Contains(err.Error(), "\n") || out != "" {
			t.Errorf("%v: exit %d, %v\n%s", c.args, exitCode(err), err, out)
		}
	}
	// The right files verify; a head signed by another key is a verdict.
	if out, err := verifyArgs("--db", f.db, "--key", f.key, "--head", f.head, "--previous", f.export); err != nil {
		t.Fatalf("the right files: %v\n%s", err, out)
	}
	other := newAuditFixture(t)
	if _, err := verifyArgs("--db", f.db, "--key", f.key, "--head", other.head); exitCode(err) != 1 || !strings.Contains(err.Error(), "not signed by key") {
		t.Errorf("a head signed by another key: exit %d, %v", exitCode(err), err)
	}
}

// lines splits an export into its lines, each with its newline.
func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l := strings.SplitAfter(string(b), "\n")
	return l[:len(l)-1] // the last is empty: the file ends in a newline
}

// --previous reads the earlier export's own lines: an entry edited or
// deleted in it fails the check, labelled as the earlier export's, with
// --export and with --db; an earlier export cut short says so (exit 2: it
// holds nothing signed to compare with).
func TestVerifyPreviousReadsItsLines(t *testing.T) {
	f := newAuditFixture(t)
	addUser(t, f.db, "aud-d")
	later := filepath.Join(f.dir, "later.ndjson")
	writeExport(t, f.db, later)
	earlier := lines(t, f.export)
	damaged := filepath.Join(f.dir, "earlier.ndjson")
	for _, c := range []struct {
		name, text, want string
	}{
		{"edited", strings.Join(earlier[:1], "") + strings.Replace(earlier[1], "aud-b", "aud-x", 1) + strings.Join(earlier[2:], ""),
			"earlier export: edited: entry 1 (line 2)"},
		{"deleted", strings.Join(earlier[:1], "") + strings.Join(earlier[2:], ""), "earlier export: deleted: entry 1"},
	} {
		os.WriteFile(damaged, []byte(c.text), 0o600)
		for _, args := range [][]string{{"--export", later}, {"--db", f.db}} {
			out, err := verifyArgs(append(args, "--key", f.key, "--previous", damaged)...)
			if !errors.Is(err, errNotVerified) || exitCode(err) != 1 || !strings.Contains(out, c.want) ||
				!strings.Contains(out, "FAILED: the earlier export (--previous) does not verify: 1 problem(s)") {
				t.Errorf("%s, %s: exit %d, %v\n%s", c.name, args[0], exitCode(err), err, out)
			}
		}
	}
	os.WriteFile(damaged, []byte(strings.Join(earlier[:len(earlier)-1], "")), 0o600)
	for _, args := range [][]string{{"--export", later}, {"--db", f.db}} {
		out, err := verifyArgs(append(args, "--key", f.key, "--previous", damaged)...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "the export ends with this entry and has no trailer: the rest was cut off") ||
			strings.Contains(err.Error(), "malformed note") || !strings.Contains(err.Error(), "the log was not checked") || out != "" {
			t.Errorf("cut short, %s: exit %d, %v\n%s", args[0], exitCode(err), err, out)
		}
	}
	for _, args := range [][]string{{"--export", later}, {"--db", f.db}} {
		if out, err := verifyArgs(append(args, "--key", f.key, "--previous", f.export)...); err != nil || !strings.Contains(out, "consistent: the log of 3 entries") {
			t.Errorf("the earlier export intact, %s: %v\n%s", args[0], err, out)
		}
	}
}

// A damaged export is diagnosed as what happened to it: CRLF line endings
// are named as such, and a line appended after the trailer as a line that
// follows it (the entries before it are still verified), never as an
// export cut off.
func TestVerifyDiagnosesReformattedExports(t *testing.T) {
	f := newAuditFixture(t)
	text := lines(t, f.export)
	damaged := filepath.Join(f.dir, "damaged.ndjson")
	os.WriteFile(damaged, []byte(strings.ReplaceAll(strings.Join(text, ""), "\n", "\r\n")), 0o600)
	out, err := verifyArgs("--export", damaged, "--key", f.key)
	if exitCode(err) != 1 || !strings.Contains(out, "format: the file's line endings were changed to CRLF") || strings.Contains(out, "truncated") {
		t.Errorf("CRLF: exit %d, %v\n%s", exitCode(err), err, out)
	}
	os.WriteFile(damaged, []byte(strings.Join(text, "")+text[1]), 0o600)
	out, err = verifyArgs("--export", damaged, "--key", f.key)
	if exitCode(err) != 1 || out != "FAILED: 1 problem(s)\n  inserted: 1 line(s) follow the trailer, which is the last line of an export as the server writes it: they were added after it\n" {
		t.Errorf("a line after the trailer: exit %d, %v\n%s", exitCode(err), err, out)
	}
}

// audit key given the public verifier key file where the private checkpoint
// key file belongs says so, whatever its mode: not "chmod 600 it", then
// "malformed".
func TestAuditKeyOfTheVerifierKeyFile(t *testing.T) {
	f := newAuditFixture(t)
	for _, mode := range []os.FileMode{0o644, 0o600} {
		os.Chmod(f.key, mode)
		for _, cmd := range [][]string{{"audit", "key"}, {"audit", "rotate-key"}} {
			err := run(context.Background(), append(cmd, "--checkpoint-key", f.key), env(nil), nil, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "holds the public verifier key") || strings.Contains(err.Error(), "chmod") ||
				strings.Contains(err.Error(), "malformed") {
				t.Errorf("%v, mode %v: %v", cmd, mode, err)
			}
		}
	}
	// The private key file is still read, and still refused when exposed.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"audit", "key", "--checkpoint-key", f.private}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	os.Chmod(f.private, 0o644)
	err := run(context.Background(), []string{"audit", "key", "--checkpoint-key", f.private}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") || strings.Contains(err.Error(), "PRIVATE") {
		t.Errorf("an exposed private key file: %v", err)
	}
}
