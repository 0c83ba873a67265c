package auditlog_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/auditlog"
	"exaccess/domain"
	"exaccess/storage"
)

// A head file that cannot be written stops the start with one line naming
// the file, its directory and, for a permission problem, the permission
// needed: the server would otherwise run and neither sign nor export.
// Root ignores permissions, so the deterministic case is a directory that
// is a regular file.
func TestHeadDirNotWritableStopsStart(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		dir := t.TempDir()
		keys := filepath.Join(dir, "keys")
		os.WriteFile(keys, []byte("not a directory"), 0o600)
		path := filepath.Join(keys, "ck.head")
		_, err := e.log.WithHead(context.Background(), path, slog.New(slog.DiscardHandler))
		if !errors.Is(err, auditlog.ErrHeadNotWritten) || !strings.Contains(err.Error(), path) ||
			!strings.Contains(err.Error(), "in the directory "+keys) || strings.Contains(err.Error(), "\n") {
			t.Errorf("a head file whose directory is a file: %v", err)
		}
		if os.Geteuid() == 0 {
			t.Log("running as root: the permission case is not checked")
			return
		}
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o755)
		var logs bytes.Buffer
		e.withHead(filepath.Join(ro, "ck.head"), &logs) // a head file exists
		os.Chmod(ro, 0o555)
		t.Cleanup(func() { os.Chmod(ro, 0o755) })
		_, err = e.log.WithHead(context.Background(), filepath.Join(ro, "ck.head"), slog.New(slog.DiscardHandler))
		if !errors.Is(err, auditlog.ErrHeadNotWritten) || !strings.Contains(err.Error(), "needs write and execute permission on the directory "+ro) {
			t.Errorf("a read-only directory: %v", err)
		}
	})
}

// When the head file cannot be written later, nothing is signed: the
// checkpoint is neither kept nor given out, /readyz says why, an export
// is refused with a conflict (not an internal error), and all works again
// once the directory does.
func TestHeadNotWrittenSignsNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		ctx := context.Background()
		keys := filepath.Join(t.TempDir(), "keys")
		os.Mkdir(keys, 0o700)
		path := filepath.Join(keys, "k.head")
		var logs bytes.Buffer
		e.withHead(path, &logs)
		e.addUsers("u0", "u1")
		if _, err := e.log.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		// The directory goes away and a file takes its place.
		if err := os.Rename(keys, keys+".moved"); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(keys, []byte("not a directory"), 0o600)
		e.addUsers("u2")
		_, err := e.log.Checkpoint(ctx)
		if !errors.Is(err, auditlog.ErrHeadNotWritten) || !strings.Contains(err.Error(), path) {
			t.Errorf("a checkpoint with an unwritable head: %v", err)
		}
		if cp, err := e.db.LatestAuditCheckpoint(ctx); err != nil || cp.Size != 2 {
			t.Errorf("the latest kept checkpoint: %d, %v; want the one of size 2 the head holds", cp.Size, err)
		}
		if p := e.log.SigningProblem(); !strings.Contains(p, "head file cannot be written") || strings.Contains(p, keys) {
			t.Errorf("/readyz problem %q", p)
		}
		_, err = e.log.StartExport(ctx, e.auth, domain.AuditExportRequest{Format: domain.AuditFormatNDJSON})
		if domain.ErrorCode(err) != domain.CodeConflict || strings.Contains(err.Error(), keys) {
			t.Errorf("an export: %v", err)
		}

		os.Remove(keys)
		if err := os.Rename(keys+".moved", keys); err != nil {
			t.Fatal(err)
		}
		cp, err := e.log.Checkpoint(ctx)
		if err != nil || cp.Size != 3 || e.log.SigningProblem() != "" {
			t.Fatalf("after the repair: %+v, %v, %q", cp, err, e.log.SigningProblem())
		}
		b, _ := os.ReadFile(path)
		if tree, err := auditlog.OpenCheckpoint(b, e.key); err != nil || tree.N != 3 {
			t.Errorf("the head file holds %v, %v", tree, err)
		}
		e.export(domain.AuditFormatNDJSON, nil, nil)
	})
}

// flakyHashes is the database whose stored hashes cannot be read while
// fail is set: they are read then through a closed handle on the same
// database, so the error is the one storage gives when the database
// cannot answer.
type flakyHashes struct {
	*storage.DB
	closed *storage.DB
	fail   atomic.Bool
}

func newFlakyHashes(t *testing.T, e *logEnv) *flakyHashes {
	t.Helper()
	closed, err := storage.Open(context.Background(), e.c.DSN)
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	return &flakyHashes{DB: e.db, closed: closed}
}

func (f *flakyHashes) ReadAuditHashes(ctx context.Context, ids []int64) ([]tlog.Hash, error) {
	if f.fail.Load() {
		return f.closed.ReadAuditHashes(ctx, ids)
	}
	return f.DB.ReadAuditHashes(ctx, ids)
}

// A head check that cannot read the stored tree refuses to sign, and says
// that the tree cannot be read, not that the history changed; the refusal
// lasts until a check reads it.
func TestHeadCheckReadFailureIsNotAHistoryChange(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		ctx := context.Background()
		store := newFlakyHashes(t, e)
		e.log = auditlog.NewService(store, e.log.Signer(), func() time.Time { return e.now })
		var logs bytes.Buffer
		e.withHead(filepath.Join(t.TempDir(), "k.head"), &logs)
		e.addUsers("u0", "u1")
		if _, err := e.log.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		store.fail.Store(true)
		e.addUsers("u2")
		for range 2 {
			_, err := e.log.Checkpoint(ctx)
			if err == nil || errors.Is(err, auditlog.ErrHistoryChanged) || errors.Is(err, domain.ErrAuditHashDamaged) ||
				!strings.Contains(err.Error(), "storage: audit hashes: sql: database is closed") {
				t.Errorf("a checkpoint while the hashes cannot be read: %v", err)
			}
		}
		text := logs.String()
		if strings.Contains(text, "HISTORY CHANGED") || strings.Count(text, "the stored tree cannot be read") != 1 {
			t.Errorf("logs:\n%s", text)
		}
		if p := e.log.SigningProblem(); !strings.Contains(p, "cannot be read") || strings.Contains(p, "does not extend") {
			t.Errorf("/readyz problem %q", p)
		}
		if cp, _ := e.db.LatestAuditCheckpoint(ctx); cp.Size != 2 {
			t.Errorf("a checkpoint of size %d was kept", cp.Size)
		}
		store.fail.Store(false)
		if cp, err := e.log.Checkpoint(ctx); err != nil || cp.Size != 3 || e.log.SigningProblem() != "" {
			t.Errorf("once the hashes can be read: %+v, %v, %q", cp, err, e.log.SigningProblem())
		}
	})
}
