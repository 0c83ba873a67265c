package auditlog_test

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/auditlog"
)

// gapWarning is /readyz's fixed warning of a gap.
const gapWarning = "the audit log is damaged: entries or hashes are missing; see the server log and run " +
	"exaccess audit verify --db PATH --key VERIFIER_KEY_FILE"

// errorLines are the ERROR lines of logs, which it empties.
func errorLines(logs *bytes.Buffer) []string {
	var out []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "level=ERROR") {
			out = append(out, l)
		}
	}
	logs.Reset()
	return out
}

// TestGapCheckFindsAMissingEntry: an entry deleted in the middle of the
// log (past the triggers) is found by the whole-log check: GapProblem is
// the fixed warning naming the command to run (no index: /readyz is
// public), the finding names the entry, and the server log has one ERROR
// line naming it, not
// one per check; a second entry deleted further up is a new finding,
// logged again; with the entries put back the warning goes, said once at
// INFO. An intact log has no warning and no ERROR.
func TestGapCheckFindsAMissingEntry(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		ctx := context.Background()
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		e.addUsers("u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
		if err := e.log.CheckGaps(ctx, log); err != nil || e.log.GapProblem() != "" || len(errorLines(&logs)) != 0 {
			t.Fatalf("an intact log: %v, %q, log %s", err, e.log.GapProblem(), logs.String())
		}

		e.tamper("CREATE TABLE saved_entries AS SELECT * FROM audit_log WHERE idx IN (3, 6)", "DELETE FROM audit_log WHERE idx = 6")
		for range 2 {
			if err := e.log.CheckGaps(ctx, log); err != nil {
				t.Fatal(err)
			}
		}
		if p := e.log.GapProblem(); p != gapWarning {
			t.Errorf("entry 6 deleted: problem %q, want %q", p, gapWarning)
		}
		if f := e.log.GapFindingForTest(); f != "audit entry 6 is missing" {
			t.Errorf("entry 6 deleted: finding %q", f)
		}
		if l := errorLines(&logs); len(l) != 1 || !strings.Contains(l[0], "AUDIT LOG DAMAGED") || !strings.Contains(l[0], "entry=6") ||
			!strings.Contains(l[0], `missing="audit entry 6 is missing"`) {
			t.Errorf("entry 6 deleted, two checks: %q", l)
		}

		e.tamper("DELETE FROM audit_log WHERE idx = 3")
		if err := e.log.CheckGaps(ctx, log); err != nil {
			t.Fatal(err)
		}
		if p := e.log.GapFindingForTest(); !strings.Contains(p, "audit entry 3 is missing") {
			t.Errorf("entries 3 and 6 deleted: problem %q", p)
		}
		if l := errorLines(&logs); len(l) != 1 || !strings.Contains(l[0], "entry=3") {
			t.Errorf("entries 3 and 6 deleted: %q", l)
		}

		e.tamper("INSERT INTO audit_log SELECT * FROM saved_entries")
		if err := e.log.CheckGaps(ctx, log); err != nil {
			t.Fatal(err)
		}
		if p, f := e.log.GapProblem(), e.log.GapFindingForTest(); p != "" || f != "" {
			t.Errorf("entries put back: problem %q, finding %q", p, f)
		}
		if l := logs.String(); strings.Contains(l, "level=ERROR") || !strings.Contains(l, "level=INFO msg=\"audit log gap no longer found") {
			t.Errorf("entries put back: log %s", l)
		}
	})
}

// TestGapCheckRoundFindsNewDamage: a round checks the entries appended
// since the last check, so damage among them is found without waiting for
// the next whole check: an entry, and separately a hash, deleted from the
// new range. A finding further up the log stays the first until a whole
// check replaces it.
func TestGapCheckRoundFindsNewDamage(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		ctx := context.Background()
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		e.addUsers("u0", "u1", "u2", "u3")
		if err := e.log.CheckGaps(ctx, log); err != nil || e.log.GapProblem() != "" {
			t.Fatalf("an intact log: %v, %q", err, e.log.GapProblem())
		}
		e.addUsers("u4", "u5", "u6", "u7") // entries 4..7
		leaf := tlog.StoredHashIndex(0, 5)
		e.tamper("DELETE FROM audit_hashes WHERE id = " + strconv.FormatInt(leaf, 10))
		if err := e.log.CheckNewGaps(ctx, log); err != nil {
			t.Fatal(err)
		}
		want := "stored audit hash " + strconv.FormatInt(leaf, 10) + " (the leaf hash of entry 5) is missing"
		if p := e.log.GapProblem(); p != gapWarning {
			t.Errorf("entry 5's leaf hash deleted: problem %q, want %q", p, gapWarning)
		}
		if f := e.log.GapFindingForTest(); f != want {
			t.Errorf("entry 5's leaf hash deleted: finding %q, want %q", f, want)
		}
		if l := errorLines(&logs); len(l) != 1 || !strings.Contains(l[0], "hash_index="+strconv.FormatInt(leaf, 10)) {
			t.Errorf("entry 5's leaf hash deleted: %q", l)
		}

		e.addUsers("u8", "u9", "u10") // entries 8..10
		e.tamper("DELETE FROM audit_log WHERE idx = 9")
		if err := e.log.CheckNewGaps(ctx, log); err != nil {
			t.Fatal(err)
		}
		if p := e.log.GapFindingForTest(); !strings.Contains(p, want) {
			t.Errorf("entry 9 deleted after the hash: problem %q, want the first, %q", p, want)
		}
		if l := errorLines(&logs); len(l) != 0 {
			t.Errorf("entry 9 deleted after the hash: %q", l)
		}
		if err := e.log.CheckGaps(ctx, log); err != nil {
			t.Fatal(err)
		}
		if p := e.log.GapFindingForTest(); !strings.Contains(p, "audit entry 9 is missing") {
			t.Errorf("a whole check names the missing entry before the missing hash: %q", p)
		}
	})
}

// TestGapCheckRoundFindsNewEntryMissing: an entry deleted among those
// appended since the last check is found by the next round.
func TestGapCheckRoundFindsNewEntryMissing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		ctx := context.Background()
		log := slog.New(slog.DiscardHandler)
		e.addUsers("u0", "u1", "u2")
		if err := e.log.CheckGaps(ctx, log); err != nil {
			t.Fatal(err)
		}
		e.addUsers("u3", "u4", "u5")
		e.tamper("DELETE FROM audit_log WHERE idx = 4")
		if err := e.log.CheckNewGaps(ctx, log); err != nil {
			t.Fatal(err)
		}
		if p := e.log.GapFindingForTest(); !strings.Contains(p, "audit entry 4 is missing") {
			t.Errorf("entry 4 deleted: problem %q", p)
		}
	})
}

// TestRunGapChecks: the background loop checks the whole log at once and
// ends with its context.
func TestRunGapChecks(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		e.addUsers("u0", "u1", "u2", "u3")
		e.tamper("DELETE FROM audit_log WHERE idx = 2")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			e.log.RunGapChecks(ctx, auditlog.GapSchedule{Round: 10 * time.Millisecond, Whole: time.Hour}, slog.New(slog.DiscardHandler))
			close(done)
		}()
		for end := time.Now().Add(10 * time.Second); e.log.GapProblem() == ""; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatal("no finding in 10 s")
			}
		}
		cancel()
		<-done
		if p := e.log.GapFindingForTest(); !strings.Contains(p, "audit entry 2 is missing") {
			t.Errorf("problem %q", p)
		}
	})
}
