package auditlog

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Witness is an independent witness of the log, reached over the C2SP
// tlog-witness protocol: it cosigns a checkpoint only when it is consistent
// with the last one it cosigned for this log.
type Witness struct {
	URL      string // the witness's submission prefix; add-checkpoint is below it
	Key      string // its verifier key, c2sp.org/tlog-cosignature (or Ed25519)
	verifier note.Verifier
	client   *http.Client
}

// Name is the witness's name, as on its cosignature lines.
func (w *Witness) Name() string { return w.verifier.Name() }

// ParseWitness reads a --witness value, URL=vkey.
func ParseWitness(spec string) (*Witness, error) {
	rawURL, vkey, ok := strings.Cut(spec, "=")
	if !ok {
		return nil, fmt.Errorf("--witness %q: want URL=verifier-key", spec)
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--witness %q: the URL must be http(s)://host[/prefix]", spec)
	}
	v, err := NewWitnessVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("--witness %q: %w", spec, err)
	}
	return &Witness{URL: strings.TrimSuffix(rawURL, "/"), Key: strings.TrimSpace(vkey), verifier: v,
		client: &http.Client{Timeout: 10 * time.Second}}, nil
}

// NewWitnessVerifier reads a witness's verifier key: a c2sp.org/tlog-
// cosignature key (type 0x04, the timestamped cosignature/v1 that witnesses
// sign), or a plain Ed25519 note key. torchwood computes the cosignature
// verifier; a key whose hash does not match its name and key is refused.
func NewWitnessVerifier(vkey string) (note.Verifier, error) {
	vkey = strings.TrimSpace(vkey)
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return nil, errors.New("the witness key is malformed")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize {
		return nil, errors.New("the witness key is malformed")
	}
	if raw[0] != 4 {
		return note.NewVerifier(vkey)
	}
	s, err := torchwood.NewCosignatureSigner(parts[0], publicOnly(raw[1:]))
	if err != nil {
		return nil, fmt.Errorf("the witness key is malformed: %w", err)
	}
	v := s.Verifier()
	if v.String() != vkey {
		return nil, errors.New("the witness key's hash does not match its name and key")
	}
	return v, nil
}

// publicOnly is a crypto.Signer that only knows a public key: enough for
// torchwood to build the verifier of a witness whose private key is not ours.
type publicOnly ed25519.PublicKey

func (p publicOnly) Public() crypto.PublicKey { return ed25519.PublicKey(p) }
func (p publicOnly) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("auditlog: not a private key")
}

// WitnessConflictError is a witness's refusal: it holds a different tree
// size than we claimed (409, with the size it knows) or the consistency
// proof from its tree to ours failed (422) — a history that was rewritten,
// rolled back or forked.
type WitnessConflictError struct {
	Status    int
	KnownSize int64 // the witness's size, on a 409
	Detail    string
}

func (e *WitnessConflictError) Error() string {
	if e.Status == http.StatusConflict {
		return fmt.Sprintf("witness knows a tree of size %d that this log cannot extend (409): %s", e.KnownSize, e.Detail)
	}
	return fmt.Sprintf("witness refused the checkpoint as inconsistent with the tree it cosigned (%d): %s", e.Status, e.Detail)
}

// addCheckpoint submits one signed checkpoint with the consistency proof
// from oldSize, as c2sp.org/tlog-witness specifies, and returns the
// witness's verified cosignature line.
func (w *Witness) addCheckpoint(ctx context.Context, signed string, oldSize int64, proof tlog.TreeProof) (string, error) {
	var body bytes.Buffer
	fmt.Fprintf(&body, "old %d\n", oldSize)
	for _, h := range proof {
		fmt.Fprintf(&body, "%s\n", h)
	}
	body.WriteString("\n")
	body.WriteString(signed)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL+"/add-checkpoint", &body)
	if err != nil {
		return "", err
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("witness unreachable: %w", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("witness answer: %w", err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return w.cosignature(signed, out)
	case http.StatusConflict:
		known, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			return "", fmt.Errorf("witness answered 409 without a tree size")
		}
		return "", &WitnessConflictError{Status: resp.StatusCode, KnownSize: known, Detail: "size mismatch"}
	case http.StatusUnprocessableEntity:
		return "", &WitnessConflictError{Status: resp.StatusCode, Detail: strings.TrimSpace(string(out))}
	}
	return "", fmt.Errorf("witness answered %s: %.200s", resp.Status, strings.TrimSpace(string(out)))
}

// cosignature checks that the witness's answer holds its signature of the
// checkpoint and returns that signature line.
func (w *Witness) cosignature(signed string, answer []byte) (string, error) {
	n, err := note.Open([]byte(signed+string(answer)), note.VerifierList(w.verifier))
	if err != nil || len(n.Sigs) == 0 {
		return "", errors.New("the witness's answer is not a valid cosignature of the checkpoint")
	}
	for _, line := range strings.Split(strings.TrimSpace(string(answer)), "\n") {
		if sig, ok := w.matches(line); ok && sig == n.Sigs[0].Base64 {
			return line, nil
		}
	}
	return "", errors.New("the witness's answer holds no cosignature line")
}

// matches reports whether a signature line is by this witness's name, and
// returns its base64 part.
func (w *Witness) matches(line string) (string, bool) {
	rest, ok := strings.CutPrefix(line, "— "+w.Name()+" ")
	return rest, ok
}
