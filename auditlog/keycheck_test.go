package auditlog_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/auditlog"
	"exaccess/domain"
)

// A server whose key the log records, but no longer as its latest (another
// server started with a rotated key), signs nothing more: not the
// checkpoint it is asked for, not the next scheduled round even when no
// checkpoint is due; it logs an error once and SigningProblem (/readyz)
// says why. On SQLite and PostgreSQL: replicas share the database.
func TestSupersededKeySignsNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		ctx := context.Background()
		if _, err := e.db.RecordSigningKey(ctx, e.key, nil); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		e.log.WithKeyCheck(e.db, "/keys/checkpoint.key", slog.New(slog.NewJSONHandler(&logs, nil)))
		e.addUsers("kc-a")
		if _, err := e.log.Checkpoint(ctx); err != nil || e.log.SigningProblem() != "" {
			t.Fatalf("the latest key: %v, %q", err, e.log.SigningProblem())
		}

		skey, _ := auditlog.NewSignerKey("other.test/audit")
		next, _ := auditlog.NewSigner(skey)
		rotated := &domain.AuditEntry{At: e.now, Actor: domain.SystemActor, Action: domain.AuditKeyRotated,
			Data: domain.AuditFields(domain.AuditKeyRotated, domain.KeyRotatedData{VerifierKey: next.VerifierKey(), PreviousVerifierKey: e.key})}
		if ok, err := e.db.RecordSigningKey(ctx, next.VerifierKey(), rotated); err != nil || !ok {
			t.Fatalf("record the new key: %v %v", ok, err)
		}
		for range 3 {
			_, err := e.log.Checkpoint(ctx)
			if !errors.Is(err, auditlog.ErrKeySuperseded) || !strings.Contains(err.Error(), auditlog.KeyID(next.VerifierKey())) ||
				!strings.Contains(err.Error(), auditlog.KeyID(e.key)) {
				t.Fatalf("checkpoint with the superseded key: %v", err)
			}
		}
		if _, err := e.log.StartExport(ctx, e.auth, domain.AuditExportRequest{Format: domain.AuditFormatNDJSON}); domain.ErrorCode(err) != domain.CodeConflict {
			t.Errorf("export with the superseded key: %v", err)
		}
		if p := e.log.SigningProblem(); !strings.Contains(p, "newer checkpoint signing key") {
			t.Errorf("signing problem %q", p)
		}
		if n := strings.Count(logs.String(), "CHECKPOINT KEY SUPERSEDED"); n != 1 || !strings.Contains(logs.String(), `"level":"ERROR"`) {
			t.Errorf("logged %d times:\n%s", n, logs.String())
		}

		// Another process of the old key, with no checkpoint due: its next
		// round finds out all the same.
		var other bytes.Buffer
		old := auditlog.NewService(e.db, e.log.Signer(), func() time.Time { return e.now }).
			WithKeyCheck(e.db, "/keys/checkpoint.key", slog.New(slog.NewJSONHandler(&other, nil)))
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			old.RunCheckpoints(rctx, auditlog.Schedule{Every: 1 << 40, Interval: time.Hour}, slog.New(slog.DiscardHandler))
			close(done)
		}()
		for i := 0; old.SigningProblem() == "" && i < 200; i++ {
			time.Sleep(25 * time.Millisecond)
		}
		cancel()
		<-done
		if old.SigningProblem() == "" || !strings.Contains(other.String(), "CHECKPOINT KEY SUPERSEDED") {
			t.Errorf("a round with nothing due did not find the superseded key: %q\n%s", old.SigningProblem(), other.String())
		}
	})
}

// A checkpoint refused for its key names the keys with their hashes: the
// keys of one log before and after a rotation share their name.
func TestWrongKeyNamedWithItsHash(t *testing.T) {
	skeyA, _ := auditlog.NewSignerKey("one.test/audit")
	skeyB, _ := auditlog.NewSignerKey("one.test/audit")
	a, _ := auditlog.NewSigner(skeyA)
	b, _ := auditlog.NewSigner(skeyB)
	signed, err := a.Sign(tlog.Tree{N: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = auditlog.OpenCheckpoint([]byte(signed), b.VerifierKey())
	want := "not signed by key " + auditlog.KeyID(b.VerifierKey()) + ", but by " + auditlog.KeyID(a.VerifierKey())
	if err == nil || !strings.Contains(err.Error(), want) || auditlog.KeyID(a.VerifierKey()) == auditlog.KeyID(b.VerifierKey()) {
		t.Errorf("got %v, want %q", err, want)
	}
}

// A directory given as the key file is named as one, not as a file others
// can read.
func TestKeyFileThatIsADirectory(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	_, err := auditlog.ReadKeyFile(dir)
	if err == nil || !strings.Contains(err.Error(), "is a directory") || strings.Contains(err.Error(), "chmod") {
		t.Errorf("ReadKeyFile(dir): %v", err)
	}
	if _, _, err := auditlog.LoadOrCreateKeyFile(dir, "", "x.test/audit"); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("LoadOrCreateKeyFile(dir): %v", err)
	}
}

// A database's log is held to an earlier export as a later export is: it
// extends it, and an entry changed since is named.
func TestStoredLogAgainstAnEarlierExport(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		ctx := context.Background()
		e.addUsers("pv-a", "pv-b", "pv-c")
		path, info := e.export(domain.AuditFormatNDJSON, nil, nil)
		e.addUsers("pv-d")
		against := func() *auditlog.Report {
			t.Helper()
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			prev, err := auditlog.ReadPrevious(f, e.key)
			if err != nil {
				t.Fatal(err)
			}
			_, crep, err := auditlog.VerifyStoredAgainst(ctx, e.db, e.key, nil, prev)
			if err != nil {
				t.Fatal(err)
			}
			return crep
		}
		if crep := against(); !crep.OK() || crep.Count != info.TreeSize {
			t.Fatalf("an honest log: %+v", crep)
		}
		e.tamper(replaceSQL(e.c.Name, 1, "pv-b", "pv-z"))
		crep := against()
		if !crep.Has(auditlog.KindEdited, 1) || !crep.Has(auditlog.KindInconsistent, -1) {
			t.Errorf("an edited entry: %+v", crep.Problems)
		}
	})
}

// A key's origin is its name, read by the verifier, not guessed from text.
func TestKeyOrigin(t *testing.T) {
	skey, _ := auditlog.NewSignerKey("one.test/audit")
	s, _ := auditlog.NewSigner(skey)
	if got, err := auditlog.KeyOrigin(s.VerifierKey()); err != nil || got != "one.test/audit" {
		t.Errorf("KeyOrigin = %q, %v, want one.test/audit", got, err)
	}
	if got, err := auditlog.KeyOrigin("one.test/audit+notakey"); err == nil {
		t.Errorf("a text that is no verifier key has origin %q", got)
	}
}
