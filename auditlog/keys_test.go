package auditlog

import (
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// A key given as KEY@N vouches for checkpoints of at most N entries; a
// larger one it signed alone is refused, naming the key and the size.
func TestBoundedKeyRefusesLargerCheckpoints(t *testing.T) {
	old := newMemLog(t, 9)
	cur := newMemLog(t, 0)
	oldKey, curKey := old.signer.VerifierKey(), cur.signer.VerifierKey()
	sign := func(s *Signer, n int64) []byte {
		note, err := s.Sign(tlog.Tree{N: n, Hash: treeRoot(t, old, n)})
		if err != nil {
			t.Fatal(err)
		}
		return []byte(note)
	}
	bounded := func(max int64) string {
		k, err := BoundKeys(oldKey, max)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	for _, c := range []struct {
		name    string
		note    []byte
		keys    string
		wantErr string // "" when it verifies
	}{
		{"unbounded", sign(old.signer, 9), oldKey, ""},
		{"at the bound", sign(old.signer, 5), bounded(5), ""},
		{"below the bound", sign(old.signer, 4), bounded(5), ""},
		{"above the bound", sign(old.signer, 6), bounded(5), "the checkpoint of size 6 is signed by key " + oldKey + ", which is trusted only for checkpoints of up to 5 entries"},
		{"the empty tree under bound 0", sign(old.signer, 0), bounded(0), ""},
		{"above bound 0", sign(old.signer, 1), bounded(0), "size 1"},
		{"with the current key beside it", sign(old.signer, 9), curKey + "\n" + bounded(5), "trusted only for checkpoints of up to 5"},
		{"the smallest bound of a key given twice holds", sign(old.signer, 6), oldKey + "\n" + bounded(7) + bounded(5), "up to 5 entries"},
		{"a key given twice, unbounded", sign(old.signer, 6), oldKey + "\n" + oldKey, ""},
		{"the current key is not bounded by the old one's", sign(cur.signer, 9), curKey + "\n" + bounded(5), ""},
		{"a bound that is no number", sign(old.signer, 1), oldKey + "@x", "a whole number"},
		{"an empty bound", sign(old.signer, 1), oldKey + "@", "a whole number"},
		{"a signed bound", sign(old.signer, 1), oldKey + "@-3", "a whole number"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := OpenCheckpoint(c.note, c.keys)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("got %v, want an error with %q", err, c.wantErr)
			}
		})
	}
}

// A checkpoint signed by both a bounded key and a trusted one verifies:
// one signature that vouches for its size is enough.
func TestCosignedByAnUnboundedKey(t *testing.T) {
	old := newMemLog(t, 4)
	cur := newMemLog(t, 0)
	text, _ := old.checkpoint(t) // signed by old
	both, err := cur.signer.Sign(tlog.Tree{N: 4, Hash: treeRoot(t, old, 4)})
	if err != nil {
		t.Fatal(err)
	}
	_, curSig, _ := strings.Cut(both, "\n\n")
	keys, _ := BoundKeys(old.signer.VerifierKey(), 2)
	if _, err := OpenCheckpoint([]byte(text+curSig), keys+cur.signer.VerifierKey()); err != nil {
		t.Errorf("%v", err)
	}
}

// BoundKeys takes plain verifier keys only: a bound comes from whoever
// hands the keys over, never from a key file's text.
func TestBoundKeysRefusesAnythingButKeys(t *testing.T) {
	key := newMemLog(t, 0).signer.VerifierKey()
	for _, text := range []string{"", "  \n", key + "@5", "not-a-key", "PRIVATE+KEY+x+00000000+AAAA"} {
		if _, err := BoundKeys(text, 5); err == nil {
			t.Errorf("BoundKeys(%q): no error", text)
		}
	}
	if got, err := BoundKeys(key+"\n"+key+"\n", 7); err != nil || got != key+"@7\n"+key+"@7\n" {
		t.Errorf("BoundKeys: %q, %v", got, err)
	}
	if got, err := BoundKeys(key, NoBound); err != nil || got != key+"\n" {
		t.Errorf("BoundKeys without bound: %q, %v", got, err)
	}
}

// A permit states no tree size: a bounded key does not verify one.
func TestOpenPermitRefusesBoundedKey(t *testing.T) {
	key := newMemLog(t, 0).signer.VerifierKey()
	if _, err := OpenPermit([]byte("x"), key+"@5"); err == nil || !strings.Contains(err.Error(), "KEY@N") {
		t.Errorf("OpenPermit with a bounded key: %v", err)
	}
}

func treeRoot(t *testing.T, m *memLog, n int64) tlog.Hash {
	t.Helper()
	root, err := tlog.TreeHash(n, tlog.HashReaderFunc(m.readHashes))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// The signing key given where the verifier key belongs (the server's key
// file passed to --key) is refused without being echoed.
func TestBoundKeysNeverEchoesTheSigningKey(t *testing.T) {
	skey, err := GenerateSignerKey()
	if err != nil {
		t.Fatal(err)
	}
	_, err = BoundKeys(string(skey), NoBound)
	if err == nil || strings.Contains(err.Error(), strings.TrimSpace(string(skey))) || !strings.Contains(err.Error(), "private") {
		t.Errorf("BoundKeys(signing key): %v", err)
	}
}

// A signing key inside other text (a JSON or env file given as --key) is
// refused as a signing key and never echoed, nor is a long word quoted
// whole: an error names a short prefix of what was given.
func TestKeyErrorsNeverEchoASigningKey(t *testing.T) {
	private := "PRIVATE+KEY+vm/exaccess/audit+894de65d+AZXaQnWmDfA4Jv2cLk0Qh6pYtq3oGx8sN1eBuVwRzT5c"
	for _, text := range []string{
		`{"checkpoint_key":"` + private + `"}`,
		"EXACCESS_KEY=" + private,
		private + "@abc",
		"x" + private,
	} {
		_, errBound := BoundKeys(text, 5)
		_, errParse := parseKeys(text)
		for _, err := range []error{errBound, errParse} {
			if err == nil {
				t.Errorf("%q: accepted", text)
				continue
			}
			if strings.Contains(err.Error(), "PRIVATE+KEY") || strings.Contains(err.Error(), "AZXaQnWm") {
				t.Errorf("%q: the error echoes the signing key: %v", text, err)
			}
			if !strings.Contains(err.Error(), "private checkpoint signing key") {
				t.Errorf("%q: the error does not say it is the signing key: %v", text, err)
			}
		}
	}
	long := strings.Repeat("y", 300)
	if _, err := BoundKeys(long, NoBound); err == nil || strings.Contains(err.Error(), long[:100]) {
		t.Errorf("a long word quoted whole: %v", err)
	}
}
