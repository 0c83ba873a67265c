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

// headProblem is the generic text /readyz shows while signing is refused.
const headProblem = "the audit log's stored history does not extend the last checkpoint this server signed: no checkpoint is signed until an operator checks it (see the server log)"

// head guards signing with the last signed tree head of the head file.
type head struct {
	path    string
	log     *slog.Logger
	mu      sync.Mutex // held from the check to the head file's write
	tree    tlog.Tree
	broken  error  // the head file cannot be used; nothing is signed
	problem string // shown on /readyz while signing is refused
}

// WithHead makes the service keep the last tree head it signed in the file
// at path, and refuse to sign a tree that does not extend it. When the file
// does not exist yet (first start, or an upgrade), it is created from the
// latest kept checkpoint if that one is signed by this key, else from the
// current tree: trust on first use, said in the log. The stored tree is
// checked against the head at once (check), so a tree that no longer has
// the kept checkpoint's root is refused, and /readyz shows a problem before
// the next checkpoint is due.
func (s *Service) WithHead(ctx context.Context, path string, log *slog.Logger) (*Service, error) {
	h := &head{path: path, log: log}
	s.head = h
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
			h.broken = fmt.Errorf("the head file %s: %w; after checking the log with audit verify --db, move it aside to trust the current log again", path, err)
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
	tree, from := tlog.Tree{}, "the current log"
	cp, err := s.store.LatestAuditCheckpoint(ctx)
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound:
	case err != nil:
		return err
	default:
		if t, err := OpenCheckpoint([]byte(cp.Note), s.signer.VerifierKey()); err == nil {
			tree, from = t, "the latest kept checkpoint"
		}
	}
	note := ""
	if from == "the current log" {
		if tree.N, err = s.store.AuditTreeSize(ctx); err != nil {
			return err
		}
		if tree.Hash, err = tlog.TreeHash(tree.N, hashReader(ctx, s.store)); err != nil {
			return fmt.Errorf("auditlog: tree hash of %d entries: %w", tree.N, err)
		}
	} else {
		note = cp.Note
	}
	if note == "" {
		if note, err = s.signer.Sign(tree); err != nil {
			return err
		}
	}
	if err := writeHeadFile(h.path, note); err != nil {
		return err
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
// /readyz and logs the first refusal. h.mu is held.
func (h *head) check(ctx context.Context, store ExportSource, size int64) error {
	h.reread()
	err := h.broken
	if err == nil && size < h.tree.N {
		err = fmt.Errorf("%w: it signed %d entries, the log now has %d", ErrHistoryChanged, h.tree.N, size)
	}
	if err == nil {
		root, herr := tlog.TreeHash(h.tree.N, hashReader(ctx, store))
		switch {
		case herr != nil && ctx.Err() != nil:
			return herr
		case herr != nil:
			err = fmt.Errorf("%w: the stored hashes of its first %d entries cannot be read: %v", ErrHistoryChanged, h.tree.N, herr)
		case root != h.tree.Hash:
			err = fmt.Errorf("%w: the stored tree of its first %d entries has another root", ErrHistoryChanged, h.tree.N)
		}
	}
	if err != nil {
		if h.problem == "" { // once; the checkpointer logs each refused round
			h.log.Error("AUDIT LOG HISTORY CHANGED: refusing to sign checkpoints", "head_file", h.path, "error", err.Error())
		}
		h.problem = headProblem
		return err
	}
	h.problem = ""
	return nil
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
		return err
	}
	h.tree = tree
	return nil
}

func (h *head) currentProblem() string {
	if h == nil {
		return ""
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.problem
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
		return fmt.Errorf("audit head file: %w", err)
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
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("audit head file: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
