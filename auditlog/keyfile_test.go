package auditlog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyFileCreatedPrivateAndNeverReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoint.key")
	s, created, err := LoadOrCreateKeyFile(path, "", "log.example/audit")
	if err != nil || !created || s.Origin() != "log.example/audit" {
		t.Fatalf("first start: %v, created %v, origin %q", err, created, s.Origin())
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", info.Mode().Perm(), err)
	}
	again, created, err := LoadOrCreateKeyFile(path, "", "other.example/audit")
	if err != nil || created || again.VerifierKey() != s.VerifierKey() {
		t.Fatalf("second start: %v, created %v, key %s (was %s)", err, created, again.VerifierKey(), s.VerifierKey())
	}
	if wrote, err := CreateKeyFile(path, []byte("PRIVATE+KEY+x+00000000+AAAA\n")); wrote || err != nil {
		t.Errorf("CreateKeyFile over an existing file: wrote %v, %v", wrote, err)
	}
	if _, _, err := LoadOrCreateKeyFile(path, "other.example/audit", ""); err == nil || !strings.Contains(err.Error(), "log.example/audit") {
		t.Errorf("an origin that is not the key's name: %v", err)
	}
}

func TestKeyFileReadableByOthersRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoint.key")
	if _, _, err := LoadOrCreateKeyFile(path, "log.example/audit", ""); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, _, err := LoadOrCreateKeyFile(path, "", "")
		if !errors.Is(err, ErrKeyFileExposed) || strings.Contains(err.Error(), "PRIVATE") {
			t.Errorf("mode %v: %v", mode, err)
		}
	}
}

func TestOriginMustBeUsable(t *testing.T) {
	for _, o := range []string{"", "has space/audit", "plus+sign", "tab\there"} {
		if _, err := NewSignerKey(o); err == nil {
			t.Errorf("origin %q accepted", o)
		}
	}
}

func TestCoverageLines(t *testing.T) {
	cases := []struct {
		cov  Coverage
		want []string
		ok   bool
	}{
		{Coverage{Size: 10, Signed: 10}, []string{"entries 0..9: signed by the log and cosigned by 0 of 0 witnesses"}, true},
		{Coverage{Size: 12, Signed: 10}, []string{"entries 0..9: signed by the log and cosigned by 0 of 0 witnesses",
			"entries 10..11: not yet covered by any signature"}, true},
		{Coverage{Size: 12, Signed: 10, Cosigned: 8, Witnesses: 2, Quorum: 2, WitnessesOnSigned: 1}, []string{
			"entries 0..7: signed by the log and cosigned by at least 2 of 2 witnesses",
			"entries 8..9: signed by the log and cosigned by 1 of 2 witnesses",
			"entries 10..11: not yet covered by any signature"}, false},
		{Coverage{Size: 5, Signed: 5, Cosigned: 5, Witnesses: 1, Quorum: 1, WitnessesOnSigned: 1}, []string{
			"entries 0..4: signed by the log and cosigned by at least 1 of 1 witnesses"}, true},
		{Coverage{Size: 3}, []string{"entries 0..2: not yet covered by any signature"}, true},
	}
	for _, c := range cases {
		got := c.cov.Lines()
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") || c.cov.QuorumMet() != c.ok {
			t.Errorf("%+v:\n got %q (quorum met %v)\nwant %q (%v)", c.cov, got, c.cov.QuorumMet(), c.want, c.ok)
		}
	}
}

// TestKeyFileNameSynced: a new key file's directory is synced after the
// file is linked into place, so that a crash cannot lose its name (the next
// start would make a second key); a failed sync is an error, and an
// existing file is not written and needs no sync.
func TestKeyFileNameSynced(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoint.key")
	var synced []string
	old := syncDir
	defer func() { syncDir = old }()
	syncDir = func(d string) error { synced = append(synced, d); return nil }
	if wrote, err := CreateKeyFile(path, []byte("PRIVATE+KEY+x+00000000+AAAA\n")); !wrote || err != nil {
		t.Fatalf("CreateKeyFile: wrote %v, %v", wrote, err)
	}
	if len(synced) != 1 || synced[0] != dir {
		t.Fatalf("directories synced: %q, want [%q]", synced, dir)
	}
	if wrote, err := CreateKeyFile(path, []byte("PRIVATE+KEY+y+00000000+AAAA\n")); wrote || err != nil || len(synced) != 1 {
		t.Fatalf("over an existing file: wrote %v, %v, synced %q", wrote, err, synced)
	}
	syncDir = func(string) error { return errors.New("disk gone") }
	if _, err := CreateKeyFile(filepath.Join(dir, "other.key"), []byte("x\n")); err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Fatalf("a failed directory sync: %v", err)
	}
}
