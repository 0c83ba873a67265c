package auditlog

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

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

// Sign returns the signed note of a tree head: tlog.FormatTree's text (the
// line "go.sum database tree", the size, the base64 root hash), then a blank
// line and the Ed25519 signature line. The first line is tlog's fixed
// format name, kept so that tlog.ParseTree reads the text; which log it is
// shows in the signature's key name and hash.
func (s *Signer) Sign(tree tlog.Tree) (string, error) {
	msg, err := note.Sign(&note.Note{Text: string(tlog.FormatTree(tree))}, s.signer)
	if err != nil {
		return "", fmt.Errorf("auditlog: sign checkpoint: %w", err)
	}
	return string(msg), nil
}

// OpenCheckpoint checks that a signed checkpoint is signed by verifierKey and
// returns the tree head it states.
func OpenCheckpoint(signed []byte, verifierKey string) (tlog.Tree, error) {
	v, err := note.NewVerifier(strings.TrimSpace(verifierKey))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("the verifier key is malformed: %w", err)
	}
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("the checkpoint is not signed by key %s: %w", v.Name(), err)
	}
	for _, sig := range n.Sigs {
		// note accepts base64 whose unused padding bits are set; such a
		// signature is one edited byte that changes nothing, still an edit.
		if _, err := base64.StdEncoding.Strict().DecodeString(sig.Base64); err != nil {
			return tlog.Tree{}, errors.New("the checkpoint's signature is not in canonical base64: it was edited")
		}
	}
	tree, err := tlog.ParseTree([]byte(n.Text))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("the checkpoint text is not a tree head: %w", err)
	}
	return tree, nil
}
