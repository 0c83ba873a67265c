package storage_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// moveDeadline gives r's stage the deadline due in the same activation, as
// a change that computes the deadline afresh would store it.
func (f keptFixture) moveDeadline(r *domain.Request, due time.Time) {
	f.t.Helper()
	r.Route.Stages[0].DueAt, r.DueAt = &due, &due
	r.Version++
	if err := f.db.InTx(f.ctx, func(tx domain.Tx) error { return tx.UpdateRequest(r, r.Version-1) }); err != nil {
		f.t.Fatal(err)
	}
}

// TestMovedDeadlineGetsItsOwnNotices: a stage activated on Monday 2 March
// 2026 and due by the end of Tuesday is told it is due soon on Tuesday and
// overdue on Wednesday. Its deadline is then moved to the end of Friday
// in the same activation: nothing more on Wednesday, due soon again on
// Thursday, overdue again on Saturday, each once; moved back to Tuesday's
// deadline, already told, it is not told again.
func TestMovedDeadlineGetsItsOwnNotices(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		f := keptFixture{t, db, context.Background()}
		f.user(101, "range", domain.RoleRange)
		r := f.stage(1, domain.RoleRange, stockholmAt(t, 2026, 3, 2, 9), endOfDay(t, 3, 3))
		f.sweep(stockholmAt(t, 2026, 3, 3, 10), 1)
		f.sweep(stockholmAt(t, 2026, 3, 4, 10), 1)
		f.sweep(stockholmAt(t, 2026, 3, 4, 10).Add(time.Minute), 0)
		const told = "map[stage.due_soon→range@example.org:1 stage.overdue→range@example.org:1]"
		if got := f.emails(r); got != told {
			t.Fatalf("e-mails %s, want %s", got, told)
		}

		f.moveDeadline(r, endOfDay(t, 3, 6))
		f.sweep(stockholmAt(t, 2026, 3, 4, 11), 0) // before the new deadline, not yet due soon
		if got := f.emails(r); got != told {
			t.Fatalf("e-mails %s before the new deadline, want %s", got, told)
		}
		f.sweep(stockholmAt(t, 2026, 3, 5, 10), 1)
		f.sweep(stockholmAt(t, 2026, 3, 5, 11), 0)
		if got, want := f.emails(r), "map[stage.due_soon→range@example.org:2 stage.overdue→range@example.org:1]"; got != want {
			t.Fatalf("e-mails %s the day before the new deadline, want %s", got, want)
		}
		f.sweep(stockholmAt(t, 2026, 3, 7, 10), 1)
		f.sweep(stockholmAt(t, 2026, 3, 7, 11), 0)
		const twice = "map[stage.due_soon→range@example.org:2 stage.overdue→range@example.org:2]"
		if got := f.emails(r); got != twice {
			t.Fatalf("e-mails %s after the new deadline, want %s", got, twice)
		}

		f.moveDeadline(r, endOfDay(t, 3, 3))
		f.sweep(stockholmAt(t, 2026, 3, 7, 12), 0)
		if got := f.emails(r); got != twice {
			t.Errorf("e-mails %s back at a deadline already told, want %s", got, twice)
		}
	})
}

// TestKeptNoticeOfAMovedDeadline: range_officer is vacant when its stage
// passes its deadline (Tuesday 3 March 2026): the overdue notice is kept.
// The deadline is moved to the end of Friday; an account gets the role on
// Wednesday and hears nothing (the kept notice named the old deadline and
// is dropped); on Saturday it hears once that the stage is overdue.
func TestKeptNoticeOfAMovedDeadline(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		f := keptFixture{t, db, context.Background()}
		r := f.stage(1, domain.RoleRange, stockholmAt(t, 2026, 3, 2, 9), endOfDay(t, 3, 3))
		f.sweep(stockholmAt(t, 2026, 3, 4, 10), 0)
		if n := f.kept(r); n != 1 {
			t.Fatalf("kept %d notices, want 1", n)
		}
		f.moveDeadline(r, endOfDay(t, 3, 6))
		f.user(101, "range", domain.RoleRange)
		f.sweep(stockholmAt(t, 2026, 3, 4, 11), 0)
		if n := f.kept(r); n != 0 {
			t.Errorf("the notice of the old deadline is still kept (%d)", n)
		}
		f.sweep(stockholmAt(t, 2026, 3, 7, 10), 1)
		f.sweep(stockholmAt(t, 2026, 3, 7, 11), 0)
		if got, want := f.emails(r), "map[stage.overdue→range@example.org:1]"; got != want {
			t.Errorf("e-mails %s, want %s", got, want)
		}
	})
}

// TestMigrationKeysStageNoticesByDeadline: notices written and kept
// before migration 0024, under keys that name the activation alone. Stage
// 1 (activated at a fraction of a second) was told it is overdue and
// stage 2's overdue notice was kept for nobody, both marked: their keys
// become the ones the sweep makes now, so stage 1 is not told again when
// its marks are cleared and its deadline comes back, and stage 2 is told
// once when its role gets a holder. Stage 3's kept notice was about a
// deadline since moved (its mark cleared): it keeps its key, is dropped,
// and the new deadline is told when it passes.
func TestMigrationKeysStageNoticesByDeadline(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		f := keptFixture{t, db, context.Background()}
		f.user(101, "hns", domain.RoleHNS)
		activated, due := stockholmAt(t, 2026, 3, 2, 9).Add(123456*time.Microsecond), endOfDay(t, 3, 3)
		told := f.stage(1, domain.RoleHNS, activated, due)
		kept := f.stage(2, domain.RoleRange, activated, due)
		moved := f.stage(3, domain.RoleRange, activated, endOfDay(t, 3, 6))
		old := func(r *domain.Request) string {
			return domain.NotifyStageOverdue + ":" + r.ID + ":range_safety:" + strconv.FormatInt(activated.UnixMicro(), 10)
		}
		w := db.WriterForTest()
		at := stockholmAt(t, 2026, 3, 4, 10)
		for _, r := range []*domain.Request{told, kept, moved} {
			if err := w.Exec("INSERT INTO scheduled_notices (key_base, created_at) VALUES (?, ?)", old(r), at).Error; err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range []*domain.Request{kept, moved} {
			if err := w.Exec(`INSERT INTO unheard_notices (key_base, audience_role, request_id, stage_id, created_at, checked_at)
				VALUES (?, ?, ?, 'range_safety', ?, ?)`, old(r), string(domain.RoleRange), r.ID, at, at).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Exec("UPDATE request_stages SET overdue_at = ? WHERE request_id IN (?, ?)", at, told.ID, kept.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.RunMigrationForTest(f.ctx, 24); err != nil {
			t.Fatal(err)
		}
		keys := func(table string) map[string]bool {
			var ks []string
			if err := w.Raw("SELECT key_base FROM " + table).Scan(&ks).Error; err != nil {
				t.Fatal(err)
			}
			out := map[string]bool{}
			for _, k := range ks {
				out[k] = true
			}
			return out
		}
		now := func(r *domain.Request) string {
			s := r.Route.Stages[0]
			return domain.StageNoticeKey(domain.NotifyStageOverdue,
				domain.StageCandidate{RequestID: r.ID, Stage: domain.Stage{ID: s.ID, ActivatedAt: s.ActivatedAt, DueAt: s.DueAt}})
		}
		sched, unheard := keys("scheduled_notices"), keys("unheard_notices")
		if !sched[now(told)] || !sched[now(kept)] || !sched[old(moved)] || len(sched) != 3 {
			t.Errorf("scheduled_notices %v, want %s, %s and %s", sched, now(told), now(kept), old(moved))
		}
		if !unheard[now(kept)] || !unheard[old(moved)] || len(unheard) != 2 {
			t.Errorf("unheard_notices %v, want %s and %s", unheard, now(kept), old(moved))
		}

		f.user(102, "range", domain.RoleRange)
		f.sweep(at.Add(time.Hour), 1)
		f.sweep(at.Add(2*time.Hour), 0)
		if got, want := f.emails(kept), "map[stage.overdue→range@example.org:1]"; got != want {
			t.Errorf("the kept stage: e-mails %s, want %s", got, want)
		}
		if got := f.emails(moved); got != "map[]" {
			t.Errorf("the moved stage: e-mails %s before its new deadline, want none", got)
		}
		if n := f.kept(kept) + f.kept(moved); n != 0 {
			t.Errorf("%d notices still kept, want none", n)
		}
		// Stage 1's marks cleared (a deadline moved and back): its
		// deadline was told, and is not told again.
		if err := w.Exec("UPDATE request_stages SET overdue_at = NULL WHERE request_id = ?", told.ID).Error; err != nil {
			t.Fatal(err)
		}
		f.sweep(at.Add(3*time.Hour), 0)
		if got := f.emails(told); got != "map[]" {
			t.Errorf("the stage told before the migration: e-mails %s, want none", got)
		}
		f.sweep(stockholmAt(t, 2026, 3, 7, 10), 1)
		if got, want := f.emails(moved), "map[stage.overdue→range@example.org:1]"; got != want {
			t.Errorf("the moved stage: e-mails %s after its new deadline, want %s", got, want)
		}
	})
}
