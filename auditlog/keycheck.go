package auditlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// The log's list of keys (audit_signing_keys) says which key signs its
// checkpoints now: the latest recorded. A process whose key was recorded
// once but has been superseded since (an audit rotate-key, and another
// server started with the new key) signs nothing more: its checkpoints
// would be signed by a key the log itself calls retired.

// ErrKeySuperseded is returned instead of a checkpoint by a process whose
// key is no longer the latest the log records.
var ErrKeySuperseded = errors.New("the audit log records a newer checkpoint key than this server's")

// supersededProblem is the text /readyz shows; the server log has the keys.
const supersededProblem = "the audit log records a newer checkpoint signing key than this server's: it signs no checkpoint; restart it with the current key file (see the server log)"

// KeyLister lists the log's recorded verifier keys, oldest first.
type KeyLister interface {
	SigningKeys(ctx context.Context) ([]string, error)
}

// keyCheck holds the process to the latest recorded key.
type keyCheck struct {
	keys       KeyLister
	path       string // the key file, for the log line
	log        *slog.Logger
	mu         sync.Mutex
	superseded error // once set, for the life of the process
}

// WithKeyCheck makes the service check, before each checkpoint round and
// each checkpoint, that its key is still the latest the log records
// (keys). Once it is not, the service signs no checkpoint again, logs an
// error once and reports the refusal through SigningProblem (/readyz).
// keyFile is the key file's path, named in the log line.
func (s *Service) WithKeyCheck(keys KeyLister, keyFile string, log *slog.Logger) *Service {
	s.keys = &keyCheck{keys: keys, path: keyFile, log: log}
	return s
}

// check returns ErrKeySuperseded (wrapped, naming the keys) when the
// signer's key is not the latest recorded key. A failure to read the list is returned as
// it is and changes nothing.
func (k *keyCheck) check(ctx context.Context, signer *Signer) error {
	if k == nil {
		return nil
	}
	mine := signer.VerifierKey()
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.superseded != nil {
		return k.superseded
	}
	keys, err := k.keys.SigningKeys(ctx)
	if err != nil {
		return err
	}
	if len(keys) == 0 || keys[len(keys)-1] == mine {
		return nil
	}
	latest := keys[len(keys)-1]
	k.superseded = fmt.Errorf("%w: this server signs with %s, the log's latest recorded key is %s; restart it with the current key file",
		ErrKeySuperseded, KeyID(mine), KeyID(latest))
	k.log.Error("CHECKPOINT KEY SUPERSEDED: the audit log records a newer checkpoint signing key; refusing to sign checkpoints",
		"key_file", k.path, "verifier_key", mine, "latest_verifier_key", latest,
		"action", "stop this server and start it with the current key file (every server must use the same one)")
	return k.superseded
}

func (k *keyCheck) currentProblem() string {
	if k == nil {
		return ""
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.superseded != nil {
		return supersededProblem
	}
	return ""
}
