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
// new range. A finding further up the log stands beside the new one until
// a whole check replaces them both with the first damage of the log.
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
		if f := e.log.GapFindingForTest(); f != want+"; audit entry 9 is missing" {
			t.Errorf("entry 9 deleted after the hash: findings %q, want the hash's and entry 9's", f)
		}
		if l := errorLines(&logs); len(l) != 1 || !strings.Contains(l[0], "entry=9") {
			t.Errorf("entry 9 deleted after the hash: %q, want one ERROR line naming entry 9", l)
		}
		if err := e.log.CheckGaps(ctx, log); err != nil {
			t.Fatal(err)
		}
		if f := e.log.GapFindingForTest(); f != "audit entry 9 is missing" {
			t.Errorf("a whole check names the missing entry before the missing hash: %q", f)
		}
		if l := errorLines(&logs); len(l) != 0 {
			t.Errorf("a whole check finding entry 9 again: %q, want nothing logged again", l)
		}
	})
}

// TestGapCheckLogsEachFindingOnce: a log that gets a second gap after the
// first was reported. The round that finds the second among the new
// entries logs it at ERROR (its index in the log line only), beside the
// first, which stands; /readyz's warning stays the one fixed sentence and
// GapsFound counts both. Rounds and whole checks that find nothing new log
// nothing, whatever they find again; the log found whole is said once at
// INFO, and a gap found after that is a new finding, logged again.
func TestGapCheckLogsEachFindingOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *logEnv) {
		ctx := context.Background()
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		e.addUsers("u0", "u1", "u2", "u3", "u4")
		if err := e.log.CheckGaps(ctx, log); err != nil || e.log.GapsFound() != 0 {
			t.Fatalf("an intact log: %v, %d found", err, e.log.GapsFound())
		}
		e.tamper("CREATE TABLE saved_entries AS SELECT * FROM audit_log WHERE idx = 2", "DELETE FROM audit_log WHERE idx = 2")
		if err := e.log.CheckGaps(ctx, log); err != nil {
			t.Fatal(err)
		}
		if l := errorLines(&logs); len(l) != 1 || !strings.Contains(l[0], "entry=2") {
			t.Fatalf("entry 2 deleted: %q", l)
		}

		e.addUsers("u5", "u6", "u7", "u8") // entries 5..8
		e.tamper("INSERT INTO saved_entries SELECT * FROM audit_log WHERE idx = 7", "DELETE FROM audit_log WHERE idx = 7")
		for round := range 3 {
			if err := e.log.CheckNewGaps(ctx, log); err != nil {
				t.Fatal(err)
			}
			l := errorLines(&logs)
			switch {
			case round == 0 && (len(l) != 1 || !strings.Contains(l[0], "AUDIT LOG DAMAGED") || !strings.Contains(l[0], "entry=7") ||
				!strings.Contains(l[0], `missing="audit entry 7 is missing"`)):
				t.Errorf("entry 7 deleted after entry 2 was reported: %q, want one ERROR line naming entry 7", l)
			case round > 0 && len(l) != 0:
				t.Errorf("round %d finds nothing new: %q", round, l)
			}
		}
		if f, n := e.log.GapFindingForTest(), e.log.GapsFound(); f != "audit entry 2 is missing; audit entry 7 is missing" || n != 2 {
			t.Errorf("entries 2 and 7 deleted: findings %q (%d), want both", f, n)
		}
		if p := e.log.GapProblem(); p != gapWarning {
			t.Errorf("two findings: problem %q, want the fixed %q", p, gapWarning)
		}
		if err := e.log.CheckGaps(ctx, log); err != nil {
			t.Fatal(err)
		}
		if f, l := e.log.GapFindingForTest(), errorLines(&logs); f != "audit entry 2 is missing" || len(l) != 0 {
			t.Errorf("a whole check: findings %q, log %q, want entry 2's and nothing logged again", f, l)
		}

		e.tamper("INSERT INTO audit_log SELECT * FROM saved_entries")
		for range 2 {
			if err := e.log.CheckGaps(ctx, log); err != nil {
				t.Fatal(err)
			}
		}
		if p, n := e.log.GapProblem(), e.log.GapsFound(); p != "" || n != 0 {
			t.Errorf("entries put back: problem %q, %d found", p, n)
		}
		if l := logs.String(); strings.Contains(l, "level=ERROR") || strings.Count(l, "audit log gap no longer found") != 1 {
			t.Errorf("entries put back, two whole checks: log %s", l)
		}
		logs.Reset()

		e.tamper("DELETE FROM audit_log WHERE idx = 7")
		if err := e.log.CheckGaps(ctx, log); err != nil {
			t.Fatal(err)
		}
		if l := errorLines(&logs); len(l) != 1 || !strings.Contains(l[0], "entry=7") {
			t.Errorf("entry 7 deleted again after the log was whole: %q", l)
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
