package storage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestUndecidableStageDoesNotStopTheSweep: with the sweep's limit at 2,
// the three oldest overdue stages (escalated at once) and one stage due
// soon have requests whose stored route no longer decodes. Every sweep
// succeeds; the damaged stages still get their due-soon and overdue
// notices (the role and deadline are columns of request_stages), but no
// escalation (kept in the route), each escalation logged once at ERROR
// with its notice's key however many sweeps follow; and the sound stages
// behind them, in the order the limit pages through, are all told once —
// a page of damaged stages holds back nothing.
func TestUndecidableStageDoesNotStopTheSweep(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		db.SetScheduleLimitForTest(2)
		at := func(m time.Month, d, h int) *time.Time { v := stockholmAt(t, 2026, m, d, h); return &v }
		endOf := func(m time.Month, d int) *time.Time { v := at(m, d, 0).Add(24*time.Hour - time.Second); return &v }
		n := 0
		add := func(due *time.Time, esc *domain.Escalation) *domain.Request {
			n++
			r := newDraft(testID(t, n), "NO")
			r.Status, r.Reference, r.Version = domain.StatusInReview, fmt.Sprintf("SE-2026-EXA-%06d", n), 1
			r.Route = &domain.Route{PolicyVersion: "test", Stages: []domain.Stage{{ID: "intake", Role: domain.RoleHNS,
				Order: 1, Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: at(2, 20, 9), DueAt: due,
				Escalation: esc}}}
			return r
		}
		now := *at(3, 4, 10) // Wednesday 4 March 2026
		toOps := &domain.Escalation{Role: domain.RoleOperations}
		var damaged, sound []*domain.Request
		for d := range 3 { // the oldest deadlines: the first page of each query
			damaged = append(damaged, add(endOf(2, 23+d), toOps))
		}
		for range 2 {
			sound = append(sound, add(endOf(2, 27), toOps))
		}
		damaged = append(damaged, add(endOf(3, 5), nil))
		soon := add(endOf(3, 5), nil)
		err := db.InTx(ctx, func(tx domain.Tx) error {
			for i, u := range []domain.User{{Username: "hns", Roles: []domain.Role{domain.RoleHNS}},
				{Username: "ops", Roles: []domain.Role{domain.RoleOperations}}} {
				u.ID, u.Email, u.CreatedAt, u.UpdatedAt = testID(t, 100+i), u.Username+"@example.org", fixedNow, fixedNow
				if err := tx.CreateUser(&u); err != nil {
					return err
				}
			}
			for _, r := range append(append(damaged, sound...), soon) {
				if err := tx.CreateRequest(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range damaged {
			if err := db.WriterForTest().Exec("UPDATE requests SET route = '{' WHERE id = ?", r.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		buf := captureLog(db)
		total := 0
		for m := range 6 {
			got, err := db.ScheduleNotifications(ctx, now.Add(time.Duration(m)*time.Minute))
			if err != nil {
				t.Fatalf("sweep %d: %v", m, err)
			}
			total += got
		}
		if want := 2*2 + 1 + 3 + 1; total != want {
			t.Errorf("the sweeps wrote %d notices, want %d (5 overdue, 2 escalated, 2 due soon)", total, want)
		}
		emails := func(r *domain.Request) string {
			rows, err := db.Notifications(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, n := range rows {
				if n.Channel == domain.ChannelEmail {
					got[n.Kind+"→"+n.Address]++
				}
			}
			return fmt.Sprint(got)
		}
		for _, r := range sound {
			if got, want := emails(r), "map[stage.escalated→ops@example.org:1 stage.overdue→hns@example.org:1]"; got != want {
				t.Errorf("%s: e-mails %s, want %s", r.Reference, got, want)
			}
		}
		if got, want := emails(soon), "map[stage.due_soon→hns@example.org:1]"; got != want {
			t.Errorf("%s: e-mails %s, want %s", soon.Reference, got, want)
		}
		for i, r := range damaged {
			want := "map[stage.overdue→hns@example.org:1]"
			if i == 3 {
				want = "map[stage.due_soon→hns@example.org:1]"
			}
			if got := emails(r); got != want {
				t.Errorf("damaged %s: e-mails %s, want %s (no escalation)", r.Reference, got, want)
			}
		}
		logged := buf.String()
		if got, want := strings.Count(logged, "level=ERROR"), 3; got != want {
			t.Errorf("%d ERROR lines, want %d (the 3 damaged stages' escalations):\n%s", got, want, logged)
		}
		for i, r := range damaged {
			for _, kind := range []string{domain.NotifyStageDueSoon, domain.NotifyStageOverdue, domain.NotifyStageEscalated} {
				key := kind + ":" + r.ID + ":intake:"
				want := 0
				if kind == domain.NotifyStageEscalated && i < 3 {
					want = 1
				}
				if c := strings.Count(logged, key); c != want {
					t.Errorf("the log names %s %d times, want %d", key, c, want)
				}
			}
		}
	})
}
