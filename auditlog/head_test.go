package auditlog_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"exaccess/auditlog"
	"exaccess/domain"
	"exaccess/storage"
)

// withHead gives e's service a head file in a fresh directory; logs
// collects what it logs.
func (e *logEnv) withHead(path string, logs *bytes.Buffer) {
	e.t.Helper()
	if _, err := e.log.WithHead(context.Background(), path, slog.New(slog.NewTextHandler(logs, nil))); err != nil {
		e.t.Fatal(err)
	}
}

// A forger who edits an entry, rebuilds every stored hash from the entries
// and deletes the kept checkpoints gets no checkpoint of the forged tree:
// the stored tree no longer has the root of the head file.
func TestHeadRefusesRewrittenHistory(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "checkpoint.key.head")
		var logs bytes.Buffer
		e.withHead(path, &logs)
		// An empty log: the head file's creation is logged, as news, not
		// as a warning about trusting what was found.
		if !strings.Contains(logs.String(), "level=INFO msg=\"audit tree head file created\"") {
			t.Errorf("the first head is not logged:\n%s", logs.String())
		}
		e.addUsers("u0", "u1", "u2", "u3")
		if _, err := e.log.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(path)
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("head file: %v, %v", info, err)
		}
		b, _ := os.ReadFile(path)
		if tree, err := auditlog.OpenCheckpoint(b, e.key); err != nil || tree.N != 4 {
			t.Fatalf("head file holds %v, %v:\n%s", tree, err, b)
		}
		e.addUsers("u4")
		e.tamper(replaceSQL(e.c.Name, 2, "u2", "x2"))
		e.tamper(rewriteHashes(t, e)...)
		e.tamper("DELETE FROM audit_checkpoints")
		_, err = e.log.Checkpoint(ctx)
		if !errors.Is(err, auditlog.ErrHistoryChanged) {
			t.Fatalf("a checkpoint of the rewritten tree: %v", err)
		}
		if p := e.log.SigningProblem(); p == "" || !strings.Contains(logs.String(), "AUDIT LOG HISTORY CHANGED") {
			t.Errorf("problem %q, logs:\n%s", p, logs.String())
		}
		if _, err := e.db.LatestAuditCheckpoint(ctx); err == nil {
			t.Error("a checkpoint was kept")
		}
		// Restoring the honest hashes (and entry) lets it sign again.
		e.tamper(replaceSQL(e.c.Name, 2, "x2", "u2"))
		e.tamper(rewriteHashes(t, e)...)
		if cp, err := e.log.Checkpoint(ctx); err != nil || cp.Size != 5 || e.log.SigningProblem() != "" {
			t.Fatalf("after the repair: %+v, %v, %q", cp, err, e.log.SigningProblem())
		}
	})
}

// Missing or malformed hashes, a log shorter than the head, and a head
// file that holds no tree head are refused; a process started on such a
// log shows the problem at once. The tables refuse updates and deletes, so
// a hash row that is missing or malformed is a changed history, logged as
// one, not a tree that cannot be read.
func TestHeadRefusesMissingHashesAndShrinking(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		ctx := context.Background()
		dir := t.TempDir()
		path := filepath.Join(dir, "k.head")
		var logs bytes.Buffer
		e.withHead(path, &logs)
		e.addUsers("u0", "u1", "u2")
		if _, err := e.log.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		e.tamper("UPDATE counters SET value = 1 WHERE name = 'audit'") // the log now ends at 2 entries
		if _, err := e.log.Checkpoint(ctx); !errors.Is(err, auditlog.ErrHistoryChanged) || !strings.Contains(err.Error(), "it signed 3 entries, the log now has 2") {
			t.Errorf("a shrunk log: %v", err)
		}
		e.tamper("UPDATE counters SET value = 2 WHERE name = 'audit'")
		if _, err := e.log.Checkpoint(ctx); err != nil || e.log.SigningProblem() != "" {
			t.Fatalf("the log restored: %v, %q", err, e.log.SigningProblem())
		}
		historyChanged := func(what, want string) {
			t.Helper()
			_, err := e.log.Checkpoint(ctx)
			if !errors.Is(err, auditlog.ErrHistoryChanged) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v", what, err)
			}
			text := logs.String()
			if !strings.Contains(text, "AUDIT LOG HISTORY CHANGED") || !strings.Contains(text, want) || strings.Contains(text, "cannot be read") {
				t.Errorf("%s, logs:\n%s", what, text)
			}
			if p := e.log.SigningProblem(); !strings.Contains(p, "does not extend") {
				t.Errorf("%s: /readyz problem %q", what, p)
			}
			logs.Reset()
		}
		logs.Reset()
		// The schema checks a hash's length too; a tamperer turns that off.
		checkOff := "PRAGMA ignore_check_constraints = ON"
		if e.c.Name == storage.DialectPostgres {
			checkOff = "ALTER TABLE audit_hashes DROP CONSTRAINT audit_hashes_hash_check"
		}
		e.tamper(checkOff, "UPDATE audit_hashes SET hash = substr(hash, 1, 4) WHERE id = 2")
		historyChanged("a malformed hash", "storage: audit hash 2 has 4 bytes")
		e.tamper(rewriteHashes(t, e)...)
		if _, err := e.log.Checkpoint(ctx); err != nil || e.log.SigningProblem() != "" {
			t.Fatalf("the hash restored: %v, %q", err, e.log.SigningProblem())
		}
		e.tamper("DELETE FROM audit_hashes WHERE id = 2")
		historyChanged("a missing hash", "storage: audit hash 2 is missing")
		// An export refused for it passes the damage on, which the API
		// answers as audit_damaged, not as the conflict of a head file it
		// cannot write; the error names the hash (2: the one over entries 0 and 1).
		_, err := e.log.StartExport(ctx, e.auth, domain.AuditExportRequest{Format: domain.AuditFormatNDJSON})
		var damage *domain.AuditHashDamage
		if !errors.As(err, &damage) || damage.Index != 2 || damage.Level != 1 || damage.Entry != 0 || domain.ErrorCode(err) == domain.CodeConflict {
			t.Errorf("an export over a missing hash: %v (%+v)", err, damage)
		}
		// A new process on the same head file sees the problem at start.
		fresh := newLogEnv(t, e.c)
		fresh.db, fresh.log = e.db, auditlog.NewService(e.db, e.log.Signer(), func() time.Time { return e.now })
		fresh.withHead(path, &logs)
		text := logs.String()
		if !strings.Contains(fresh.log.SigningProblem(), "does not extend") || !strings.Contains(text, "AUDIT LOG HISTORY CHANGED") ||
			!strings.Contains(text, "audit hash 2 is missing") || strings.Contains(text, "cannot be read") {
			t.Errorf("at start: %q\n%s", fresh.log.SigningProblem(), text)
		}
		garbage := filepath.Join(dir, "garbage.head")
		os.WriteFile(garbage, []byte("not a checkpoint\n"), 0o600)
		fresh.withHead(garbage, &logs)
		if _, err := fresh.log.Checkpoint(ctx); err == nil || !strings.Contains(err.Error(), "move it aside") {
			t.Errorf("an unreadable head file: %v", err)
		}
	})
}

// On an upgrade (no head file yet) the head starts from the latest kept
// checkpoint when this key signed it, so a tree rewritten before the first
// start with the head file is still caught.
func TestFirstHeadFromKeptCheckpoint(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		ctx := context.Background()
		e.addUsers("u0", "u1", "u2")
		if _, err := e.log.Checkpoint(ctx); err != nil { // signed by a release without the head file
			t.Fatal(err)
		}
		e.addUsers("u3")
		e.tamper(replaceSQL(e.c.Name, 1, "u1", "x1"))
		e.tamper(rewriteHashes(t, e)...)
		path := filepath.Join(t.TempDir(), "k.head")
		var logs bytes.Buffer
		e.withHead(path, &logs)
		if !strings.Contains(logs.String(), "trusting the latest kept checkpoint") || e.log.SigningProblem() == "" {
			t.Errorf("problem %q, logs:\n%s", e.log.SigningProblem(), logs.String())
		}
		if _, err := e.log.Checkpoint(ctx); !errors.Is(err, auditlog.ErrHistoryChanged) {
			t.Errorf("checkpoint: %v", err)
		}
	})
}

// audit verify --db --head: the head file holds the log to the last tree
// head the server signed. A rewrite whose kept checkpoints were deleted
// leaves VerifyStored nothing to compare with; against the head it is
// inconsistent at the head's size. A log shorter than the head was rolled
// back.
func TestVerifyStoredAgainstHead(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "k.head")
		var logs bytes.Buffer
		e.withHead(path, &logs)
		e.addUsers("u0", "u1", "u2", "u3")
		if _, err := e.log.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		e.addUsers("u4")
		head, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		verify := func() *auditlog.Report {
			t.Helper()
			rep, err := auditlog.VerifyStoredWithHead(ctx, e.db, e.key, head)
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		if rep := verify(); !rep.OK() || rep.HeadSize != 4 {
			t.Fatalf("an honest log: head size %d\n%s", rep.HeadSize, reportText(rep))
		}

		e.tamper(replaceSQL(e.c.Name, 2, "u2", "x2"))
		e.tamper(rewriteHashes(t, e)...)
		e.tamper("DELETE FROM audit_checkpoints")
		if rep := e.verifyDB(); !rep.OK() {
			t.Fatalf("without the head the rewrite has nothing to be compared with, yet:\n%s", reportText(rep))
		}
		rep := verify()
		if len(rep.Problems) != 1 || !rep.Has(auditlog.KindInconsistent, -1) ||
			!strings.Contains(rep.Problems[0].Detail, "the log's first 4 entries do not have the root of the head file") {
			t.Errorf("a rewritten log against the head:\n%s", reportText(rep))
		}

		e.tamper(replaceSQL(e.c.Name, 2, "x2", "u2"))
		e.tamper(rewriteHashes(t, e)...)
		e.tamper("UPDATE counters SET value = 1 WHERE name = 'audit'") // the log now ends at 2 entries
		rep = verify()
		if !rep.Has(auditlog.KindRolledBack, 2) || !strings.Contains(reportText(rep), "a checkpoint of size 4, but the log has only 2 entries: entries 2..3 are gone") {
			t.Errorf("a rolled-back log against the head:\n%s", reportText(rep))
		}

		skey, _ := auditlog.GenerateSignerKey()
		other, err := auditlog.NewSigner(skey)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := auditlog.VerifyStoredWithHead(ctx, e.db, other.VerifierKey(), head); err == nil || !strings.Contains(err.Error(), "the head file") {
			t.Errorf("a head not signed by the key given: %v", err)
		}
	})
}
