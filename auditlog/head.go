package auditlog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/tlog"

	"exaccess/domain"
	"exaccess/internal/fsync"
)

// The last signed tree head, kept outside the database beside the key file.
// Someone who can write the database but not the key's directory can edit
// entries, rebuild every stored hash from them and delete the kept
// checkpoints; without this file the server would then sign the forged
// tree with the real key. With it, the server signs a new checkpoint only
// when the stored tree at the size it last signed still has the root it
// signed, so every checkpoint it signs extends the ones before.

// HeadPath is the head file of the key file at keyPath: beside it.
func HeadPath(keyPath string) string { return keyPath + ".head" }

// ErrHistoryChanged is returned instead of a checkpoint when the stored log
// no longer extends the last tree head this server signed.
var ErrHistoryChanged = errors.New("the stored audit log no longer extends the last checkpoint this server signed")

// ErrHeadNotWritten is returned instead of a checkpoint when the head file
// cannot be replaced: a checkpoint the head file does not hold is never
// kept nor given out.
var ErrHeadNotWritten = errors.New("cannot write the checkpoint head file")

// errHeadUnusable marks a head file that holds no tree head: nothing is
// signed until an operator has looked.
var errHeadUnusable = errors.New("the head file cannot be used")

// The generic texts /readyz shows while signing is refused; the server log
// has the details.
const (
	headProblem       = "the audit log's stored history does not extend the last checkpoint this server signed: no checkpoint is signed until an operator checks it (see the server log)"
	readProblem       = "the audit log's stored tree cannot be read to check it against the last checkpoint this server signed: no checkpoint is signed until it can (see the server log)"
	unwritableProblem = "the audit log's head file cannot be written: no checkpoint is signed until the server can write it (see the server log)"
)

// head guards signing with the last signed tree head of the head file.
type head struct {
	path       string
	log        *slog.Logger
	mu         sync.Mutex // held from the check to the head file's write
	tree       tlog.Tree
	broken     error  // the head file cannot be used; nothing is signed
	problem    string // the check's refusal, shown on /readyz
	unwritable bool   // the last write of the head file failed
}

// WithHead makes the service keep the last tree head it signed in the file
// at path, and refuse to sign a tree that does not extend it. When the file
// does not exist yet (first start, or an upgrade), it is created from the
// latest kept checkpoint if that one is signed by this key, else from the
// current tree: trust on first use, said in the log. The stored tree is
// checked against the head at once (check), so a tree that no longer has
// the kept checkpoint's root is refused, and /readyz shows a problem before
// the next checkpoint is due.
//
// A head file that cannot be written is an error here, before anything is
// served: the server would run, but sign nothing and export nothing.
func (s *Service) WithHead(ctx context.Context, path string, log *slog.Logger) (*Service, error) {
	h := &head{path: path, log: log}
	s.head = h
	if err := probeHeadDir(path); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := s.firstHead(ctx, h); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("audit head file: %w", err)
	default:
		if h.tree, err = parseHead(b); err != nil {
			h.broken = fmt.Errorf("%w: %s: %v; after checking the log with exaccess audit verify --db PATH --key VERIFIER_KEY_FILE, move it aside to trust the current log again", errHeadUnusable, path, err)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	size, err := s.store.AuditTreeSize(ctx)
	if err != nil {
		return nil, err
	}
	h.check(ctx, s.store, size) // its outcome is logged and kept for /readyz
	return s, nil
}

// firstHead creates the head file when there is none.
func (s *Service) firstHead(ctx context.Context, h *head) error {
	var tree tlog.Tree
	from, note := "the latest kept checkpoint", ""
	cp, err := s.store.LatestAuditCheckpoint(ctx)
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound:
	case err != nil:
		return err
	default:
		if t, err := OpenCheckpoint([]byte(cp.Note), s.signer.VerifierKey()); err == nil {
			tree, note = t, cp.Note
		}
	}
	if note == "" { // no checkpoint of this key kept: the current log, signed now
		from = "the current log"
		if tree.N, err = s.store.AuditTreeSize(ctx); err != nil {
			return err
		}
		if tree.Hash, err = tlog.TreeHash(tree.N, hashReader(ctx, s.store)); err != nil {
			return fmt.Errorf("auditlog: tree hash of %d entries: %w", tree.N, err)
		}
		if note, err = s.signer.Sign(tree); err != nil {
			return err
		}
	}
	if err := writeHeadFile(h.path, note); err != nil {
		return headWriteError(h.path, err)
	}
	h.tree = tree
	if tree.N == 0 { // a new installation: an empty log has nothing to trust
		h.log.Info("audit tree head file created", "path", h.path)
		return nil
	}
	h.log.Warn("no record of the last signed audit tree head was found; trusting "+from+" (trust on first use)",
		"path", h.path, "size", tree.N)
	return nil
}

// check reports whether a tree of size may be signed: the stored tree at
// the head's size still has the head's root. It records the outcome for
// /readyz and logs each new kind of refusal once (the checkpointer logs
// the refused rounds). Stored hashes that cannot be read are no evidence of
// a changed history: that refusal is logged as what it is, and lasts until
// a check can read them. A hash row that is missing or malformed is: the
// tables refuse updates and deletes, so the stored tree was changed. h.mu
// is held.
func (h *head) check(ctx context.Context, store ExportSource, size int64) error {
	h.reread()
	err, problem := h.broken, headProblem
	if err == nil && size < h.tree.N {
		err = fmt.Errorf("%w: it signed %d entries, the log now has %d", ErrHistoryChanged, h.tree.N, size)
	}
	if err == nil {
		root, herr := tlog.TreeHash(h.tree.N, hashReader(ctx, store))
		switch {
		case herr != nil && ctx.Err() != nil:
			return herr
		case errors.Is(herr, domain.ErrAuditHashDamaged):
			// Both: a refusal to sign, and the damage the API names.
			err = fmt.Errorf("%w: a stored hash of its first %d entries is missing or malformed: %w", ErrHistoryChanged, h.tree.N, herr)
		case herr != nil:
			err, problem = fmt.Errorf("the stored hashes of the first %d entries, the head's size, cannot be read: %w", h.tree.N, herr), readProblem
		case root != h.tree.Hash:
			err = fmt.Errorf("%w: the stored tree of its first %d entries has another root", ErrHistoryChanged, h.tree.N)
		}
	}
	if err == nil {
		h.problem = ""
		return nil
	}
	if h.problem != problem {
		msg := "AUDIT LOG HISTORY CHANGED: refusing to sign checkpoints"
		if problem == readProblem {
			msg = "audit head check: the stored tree cannot be read; refusing to sign checkpoints until it can"
		}
		h.log.Error(msg, "head_file", h.path, "error", err.Error())
	}
	h.problem = problem
	return err
}

// reread adopts a larger head from the file: processes on one host that
// share a key file share its head file too. h.mu is held.
func (h *head) reread() {
	if h.broken != nil {
		return
	}
	if b, err := os.ReadFile(h.path); err == nil {
		if t, err := parseHead(b); err == nil && t.N > h.tree.N {
			h.tree = t
		}
	}
}

// signed records a newly signed checkpoint in the head file. h.mu is held.
func (h *head) signed(tree tlog.Tree, note string) error {
	h.reread()
	if tree.N <= h.tree.N {
		return nil
	}
	if err := writeHeadFile(h.path, note); err != nil {
		h.unwritable = true
		return headWriteError(h.path, err)
	}
	h.tree, h.unwritable = tree, false
	return nil
}

func (h *head) currentProblem() string {
	if h == nil {
		return ""
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.problem == "" && h.unwritable {
		return unwritableProblem
	}
	return h.problem
}

// signingRefused tells a refusal of the head (the stored history, the head
// file) or of a superseded key from a failure to reach the database.
func signingRefused(err error) bool {
	return errors.Is(err, ErrHistoryChanged) || errors.Is(err, ErrHeadNotWritten) || errors.Is(err, errHeadUnusable) ||
		errors.Is(err, ErrKeySuperseded)
}

// probeHeadDir checks that the head file's directory takes a new file, as
// each write of the head file needs: it creates one and removes it.
func probeHeadDir(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".checkpoint-head-*")
	if err != nil {
		return headWriteError(path, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// headWriteError says which head file cannot be written, why, and what the
// server needs: the file is replaced by a new one in its directory, so the
// directory's permissions count, not the file's.
func headWriteError(path string, err error) error {
	dir := filepath.Dir(path)
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	need := "it is replaced through a new file in the directory " + dir + ", which must exist and take new files"
	if errors.Is(err, fs.ErrPermission) {
		need = "the user the server runs as needs write and execute permission on the directory " + dir + ", where it replaces the file after each checkpoint"
	}
	return fmt.Errorf("%w %s (%v): %s", ErrHeadNotWritten, path, err, need)
}

// parseHead reads the tree head of a head file. Its signature is not
// checked: the file is trusted for where it is, beside the key file, and a
// key rotated since (audit rotate-key) does not make it unreadable.
func parseHead(b []byte) (tlog.Tree, error) {
	text, _, ok := strings.Cut(string(b), "\n\n")
	if !ok {
		return tlog.Tree{}, errors.New("it is not a signed checkpoint")
	}
	cp, err := torchwood.ParseCheckpoint(text + "\n")
	if err != nil || cp.Extension != "" {
		return tlog.Tree{}, errors.New("it does not hold a tree head")
	}
	return cp.Tree, nil
}

// writeHeadFile replaces the head file atomically and durably: a temporary
// file of mode 0600 in the same directory, synced, renamed over it, and
// the directory synced.
func writeHeadFile(path, note string) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".checkpoint-head-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.WriteString(note)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err == nil {
		err = fsync.Dir(dir)
	}
	return err
}
