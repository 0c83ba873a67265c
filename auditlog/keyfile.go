package auditlog

import (
	"crypto/rand"
	"errors"
	"exaccess/internal/fsync"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// NewSignerKey returns a new Ed25519 signer key named after the log's
// origin line, in note's private key text form. C2SP tlog-checkpoint wants
// the key name to be the origin: witnesses look up a log's keys by it.
func NewSignerKey(origin string) ([]byte, error) {
	if !ValidOrigin(origin) {
		return nil, fmt.Errorf("auditlog: %q is not a usable origin line (no spaces, no '+')", origin)
	}
	skey, _, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return nil, fmt.Errorf("auditlog: generate signer key: %w", err)
	}
	return []byte(skey + "\n"), nil
}

// ValidOrigin reports whether origin can be a log's origin line and key
// name: not empty, no white space, no '+'.
func ValidOrigin(origin string) bool {
	return origin != "" && !strings.ContainsAny(origin, " \t\n\r+")
}

// ErrKeyFileExposed is returned for a key file that others may read.
var ErrKeyFileExposed = errors.New("the checkpoint key file is readable by group or others; chmod 600 it")

// ReadKeyFile reads a checkpoint signer key from path and refuses it when
// the file is readable by group or others. Errors never quote the key.
func ReadKeyFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint key file: %w", err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("checkpoint key file: %s is a directory; name the key file in it (for instance %s)",
			path, filepath.Join(path, "exaccess-checkpoint.key"))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint key file: %w", err)
	}
	text := strings.TrimSpace(string(b))
	if isVerifierKeyText(text) {
		// Said before the mode check: a public key is meant to be readable,
		// and "chmod 600 it" would only lead to "malformed".
		return nil, fmt.Errorf("%s: %w", path, ErrVerifierKeyFile)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: %w (mode %v)", path, ErrKeyFileExposed, info.Mode().Perm())
	}
	return []byte(text), nil
}

// ErrVerifierKeyFile is ReadKeyFile's error for a file that holds the public
// verifier key where the private checkpoint key file belongs.
var ErrVerifierKeyFile = errors.New("this file holds the public verifier key (as `exaccess audit key` prints it), " +
	"not the private checkpoint key file the server signs with; give that file (--checkpoint-key, EXACCESS_CHECKPOINT_KEY)")

// isVerifierKeyText reports whether text is one or more verifier keys, one
// a line, and holds no private key.
func isVerifierKeyText(text string) bool {
	if text == "" || holdsSigningKey(text) {
		return false
	}
	for line := range strings.SplitSeq(text, "\n") {
		if _, err := note.NewVerifier(strings.TrimSpace(line)); err != nil {
			return false
		}
	}
	return true
}

// CreateKeyFile writes skey to path with mode 0600 unless a file is there
// already, atomically: several servers starting at once on one shared
// volume end up with the one file that won. It reports whether it wrote.
func CreateKeyFile(path string, skey []byte) (bool, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".checkpoint-key-*")
	if err != nil {
		return false, fmt.Errorf("checkpoint key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return false, fmt.Errorf("checkpoint key file: %w", err)
	}
	if _, err := tmp.Write(skey); err != nil {
		tmp.Close()
		return false, fmt.Errorf("checkpoint key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, fmt.Errorf("checkpoint key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("checkpoint key file: %w", err)
	}
	// A hard link never replaces an existing file.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("checkpoint key file: %w", err)
	}
	// The file's contents were synced above; its new name is an entry of
	// the directory, which a crash could still lose without this: the
	// server would then make a second key on its next start.
	if err := syncDir(dir); err != nil {
		return true, fmt.Errorf("checkpoint key file: sync %s: %w", dir, err)
	}
	return true, nil
}

// syncDir is fsync.Dir, a variable so that a test can see it called.
var syncDir = fsync.Dir

// LoadOrCreateKeyFile returns the signer of the key file at path, creating
// the file with a new key named origin (or fallback when origin is empty)
// when there is none. A configured origin that differs from the key's name
// is refused: the origin is part of every checkpoint, and witnesses know
// the log by it.
func LoadOrCreateKeyFile(path, origin, fallback string) (s *Signer, created bool, err error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		name := origin
		if name == "" {
			name = fallback
		}
		skey, err := NewSignerKey(name)
		if err != nil {
			return nil, false, err
		}
		if created, err = CreateKeyFile(path, skey); err != nil {
			return nil, false, err
		}
	}
	s, err = LoadKeyFile(path, origin)
	return s, created, err
}

// LoadKeyFile returns the signer of the key file at path and never creates
// one: a missing file is an error wrapping fs.ErrNotExist. A configured
// origin (not empty) that differs from the key's name is refused.
func LoadKeyFile(path, origin string) (*Signer, error) {
	skey, err := ReadKeyFile(path)
	if err != nil {
		return nil, err
	}
	s, err := NewSigner(skey)
	if err != nil {
		return nil, err
	}
	if origin != "" && s.Origin() != origin {
		return nil, fmt.Errorf("the checkpoint key in %s belongs to origin %q, not %q: pass --log-origin %s or another key file",
			path, s.Origin(), origin, s.Origin())
	}
	return s, nil
}
