package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestScheduledNoticeToNobodyIsToldWhenSomeoneAppears: on Tuesday 3 March
// 2026 at 10:00 nobody holds range_officer (and no liaison officer of DE
// exists): the overdue notices of two range_safety stages, the due-soon
// notice of a third and DE's expiring permit reach nobody. Sweeps while
// that lasts write nothing. One of the overdue stages is then decided, and
// at 11:00 an account gets the role and DE a liaison officer: the next
// sweep tells them what is still due — one overdue stage, the stage due
// soon, the expiring permit — late and once, and nothing about the
// decided stage.
func TestScheduledNoticeToNobodyIsToldWhenSomeoneAppears(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		now := stockholmAt(t, 2026, 3, 3, 10)
		at := func(m time.Month, d, h int) *time.Time { v := stockholmAt(t, 2026, m, d, h); return &v }
		endOf := func(m time.Month, d int) *time.Time { v := at(m, d, 0).Add(24*time.Hour - time.Second); return &v }
		stage := func(n int, activated, due *time.Time) *domain.Request {
			r := newDraft(testID(t, n), "NO")
			r.Status, r.Reference, r.Version = domain.StatusInReview, fmt.Sprintf("SE-2026-EXA-%06d", n), 1
			r.Route = &domain.Route{PolicyVersion: "test", Stages: []domain.Stage{{ID: "range_safety", Role: domain.RoleRange,
				Order: 1, Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: activated, DueAt: due}}}
			return r
		}
		overdue, decided := stage(1, at(2, 25, 9), endOf(2, 27)), stage(2, at(2, 25, 9), endOf(2, 27))
		soon := stage(3, at(3, 2, 9), endOf(3, 4))
		expiring := newDraft(testID(t, 4), "DE")
		expiring.Status, expiring.Reference, expiring.Version = domain.StatusApproved, "SE-2026-EXA-000004", 1
		expiring.Period = domain.Period{Start: day("2026-02-20"), End: day("2026-03-05")}
		user := func(tx domain.Tx, n int, name string, role domain.Role, nation string) error {
			u := domain.User{ID: testID(t, n), Username: name, Email: name + "@example.org", Roles: []domain.Role{role},
				Nation: nation, CreatedAt: fixedNow, UpdatedAt: fixedNow}
			return tx.CreateUser(&u)
		}
		err := db.InTx(ctx, func(tx domain.Tx) error {
			if err := user(tx, 100, "hns", domain.RoleHNS, ""); err != nil {
				return err
			}
			for _, r := range []*domain.Request{overdue, decided, soon, expiring} {
				if err := tx.CreateRequest(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		emails := func(r *domain.Request) map[string]int {
			t.Helper()
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
			return got
		}
		sweep := func(at time.Time, want int) {
			t.Helper()
			if n, err := db.ScheduleNotifications(ctx, at); err != nil || n != want {
				t.Fatalf("the sweep at %v wrote %d notices (%v), want %d", at, n, err, want)
			}
		}
		for _, at := range []time.Time{now, now.Add(time.Minute), now.Add(2 * time.Minute)} {
			sweep(at, 0)
		}
		for _, r := range []*domain.Request{overdue, decided, soon, expiring} {
			if got := emails(r); len(got) != 0 {
				t.Fatalf("%s: e-mails %v while nobody could hear them", r.Reference, got)
			}
		}

		decided.Route.Stages[0].Status = domain.StageApproved
		decided.Version++
		err = db.InTx(ctx, func(tx domain.Tx) error {
			if err := tx.UpdateRequest(decided, decided.Version-1); err != nil {
				return err
			}
			if err := user(tx, 101, "range", domain.RoleRange, ""); err != nil {
				return err
			}
			return user(tx, 102, "lo-de", domain.RoleLiaison, "DE")
		})
		if err != nil {
			t.Fatal(err)
		}
		sweep(now.Add(time.Hour), 3)
		sweep(now.Add(time.Hour+time.Minute), 0)
		for _, c := range []struct {
			r    *domain.Request
			want string
		}{
			{overdue, "map[stage.overdue→range@example.org:1]"},
			{decided, "map[]"},
			{soon, "map[stage.due_soon→range@example.org:1]"},
			{expiring, "map[request.expiring→lo-de@example.org:1]"},
		} {
			if got := fmt.Sprint(emails(c.r)); got != c.want {
				t.Errorf("%s: e-mails %s, want %s", c.r.Reference, got, c.want)
			}
		}
	})
}
