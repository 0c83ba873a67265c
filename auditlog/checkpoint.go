package auditlog

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// KeyName is the name of the checkpoint signing key, as it appears in the
// verifier key and on each signature line. The key hash beside it tells
// two installations apart.
const KeyName = "exaccess-audit"

// SignerKeyName is the name under which storage keeps the signer key.
const SignerKeyName = "checkpoint-signing"

// GenerateSignerKey returns a new Ed25519 signer key in note's private key
// text form ("PRIVATE+KEY+exaccess-audit+<hash>+<key>"). It is a secret:
// store it, never log it.
func GenerateSignerKey() ([]byte, error) {
	skey, _, err := note.GenerateKey(rand.Reader, KeyName)
	if err != nil {
		return nil, fmt.Errorf("auditlog: generate signer key: %w", err)
	}
	return []byte(skey), nil
}

// Signer signs checkpoints. Its String never shows the private key.
type Signer struct {
	signer      note.Signer
	verifierKey string
}

// Origin is the log's origin line: the name of the key.
func (s *Signer) Origin() string { return s.signer.Name() }

// NewSigner reads a signer key made by GenerateSignerKey. Errors never quote
// the key.
func NewSigner(skey []byte) (*Signer, error) {
	s, err := note.NewSigner(string(skey))
	if err != nil {
		return nil, errors.New("auditlog: the checkpoint signer key is malformed")
	}
	vkey, err := verifierKeyOf(string(skey))
	if err != nil {
		return nil, err
	}
	return &Signer{signer: s, verifierKey: vkey}, nil
}

// verifierKeyOf derives the public verifier key from a private key text:
// PRIVATE+KEY+<name>+<hash>+base64(1 || seed).
func verifierKeyOf(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5) // the base64 key itself may hold "+"
	if len(parts) != 5 {
		return "", errors.New("auditlog: the checkpoint signer key is malformed")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", errors.New("auditlog: the checkpoint signer key is not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[2], pub)
}

// VerifierKey is the public key in note's text form, to give to auditors.
func (s *Signer) VerifierKey() string { return s.verifierKey }

// String keeps the private key out of logs even when a Signer is printed.
func (s *Signer) String() string { return "auditlog.Signer(" + s.verifierKey + ")" }

// Sign returns the signed note of a tree head in the C2SP tlog-checkpoint
// format: the origin line (the key's name), the size, the base64 root hash,
// then a blank line and the Ed25519 signature line.
func (s *Signer) Sign(tree tlog.Tree) (string, error) {
	text := torchwood.Checkpoint{Origin: s.Origin(), Tree: tree}.String()
	msg, err := note.Sign(&note.Note{Text: text}, s.signer)
	if err != nil {
		return "", fmt.Errorf("auditlog: sign checkpoint: %w", err)
	}
	return string(msg), nil
}

// KeyID is the name and key hash of a verifier key (name+hash, without the
// public key): what tells two keys of one log apart, before and after a
// rotation, in a message. A text that is no verifier key is returned as it
// is.
func KeyID(verifierKey string) string {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return verifierKey
	}
	return keyID(v.Name(), v.KeyHash())
}

// KeyOrigin is the name of verifier key vkey: the origin of the log whose
// checkpoints it signs.
func KeyOrigin(vkey string) (string, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return "", fmt.Errorf("the verifier key is malformed: %w", err)
	}
	return v.Name(), nil
}

func keyID(name string, hash uint32) string { return fmt.Sprintf("%s+%08x", name, hash) }

// ids names the keys by KeyID: "key N+H", or "any of the keys N+H, N+H".
func (ks trustedKeys) ids() string {
	if len(ks) == 1 {
		return "key " + keyID(ks[0].verifier.Name(), ks[0].verifier.KeyHash())
	}
	ids := make([]string, len(ks))
	for i, k := range ks {
		ids[i] = keyID(k.verifier.Name(), k.verifier.KeyHash())
	}
	return "any of the keys " + strings.Join(ids, ", ")
}

// signedBy names the keys whose signatures a note that none of the given
// keys verified does carry (", but by key N+H"), or "".
func signedBy(err error) string {
	var un *note.UnverifiedNoteError
	if !errors.As(err, &un) || un.Note == nil || len(un.Note.UnverifiedSigs) == 0 {
		return ""
	}
	ids := make([]string, len(un.Note.UnverifiedSigs))
	for i, sig := range un.Note.UnverifiedSigs {
		ids[i] = keyID(sig.Name, sig.Hash)
	}
	return ", but by " + strings.Join(ids, ", ")
}

// legacyOrigin is the first line of the checkpoints signed before the log
// had an origin of its own (tlog.FormatTree's); they stay verifiable with
// the key that signed them.
const legacyOrigin = "go.sum database tree"

// ErrNotCheckpoint is OpenCheckpoint's error for what is no checkpoint at
// all: not a signed note (another file, or one cut short or reformatted),
// or a note whose text is not a tree head (a permit, which the same key
// signs). It says nothing of the log: the file is the wrong one.
var ErrNotCheckpoint = errors.New("not a checkpoint: not a signed tree head as the server writes it (GET /api/v1/audit/checkpoint, or the server's head file)")

// OpenCheckpoint checks that a signed checkpoint is signed by verifierKey
// (or by one of several keys, one per line: the log's keys before and
// after a rotation) and returns the tree head it states. Its origin line
// must be the signing key's name. Signatures by other keys (a witness's
// cosignatures) are ignored. A key given as KEY@N (BoundKeys) vouches only
// for checkpoints of at most N entries: a larger one signed by it alone is
// refused, naming the key and the size.
func OpenCheckpoint(signed []byte, verifierKey string) (tlog.Tree, error) {
	ks, err := parseKeys(verifierKey)
	if err != nil {
		return tlog.Tree{}, err
	}
	n, err := note.Open(signed, ks.verifiers())
	if errors.Is(err, errNoteMalformed) {
		return tlog.Tree{}, ErrNotCheckpoint // no key can tell anything of it
	}
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("the checkpoint is not signed by %s%s: %w", ks.ids(), signedBy(err), err)
	}
	if len(n.Sigs) == 0 {
		return tlog.Tree{}, errors.New("the checkpoint is not signed by the log's key")
	}
	for _, sig := range n.Sigs {
		// note accepts base64 whose unused padding bits are set; such a
		// signature is one edited byte that changes nothing, still an edit.
		if _, err := base64.StdEncoding.Strict().DecodeString(sig.Base64); err != nil {
			return tlog.Tree{}, errors.New("the checkpoint's signature is not in canonical base64: it was edited")
		}
	}
	cp, err := torchwood.ParseCheckpoint(n.Text)
	if err != nil || cp.Extension != "" {
		return tlog.Tree{}, fmt.Errorf("%w: the text signed is not a tree head", ErrNotCheckpoint)
	}
	if cp.Origin != n.Sigs[0].Name && cp.Origin != legacyOrigin {
		return tlog.Tree{}, fmt.Errorf("the checkpoint's origin %q is not its key's name %q", cp.Origin, n.Sigs[0].Name)
	}
	if err := ks.allow(n.Sigs, cp.Tree.N); err != nil {
		return tlog.Tree{}, err
	}
	return cp.Tree, nil
}
