package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestScheduleNotificationsWorkThroughABacklog: with more overdue stages
// than one sweep reads (the limit lowered to 3), repeated sweeps still
// reach every stage: 7 stages due Thursday 26 February, one due Friday 27
// February that escalates after one working day, one that escalates after
// five (stored as migration 0015 leaves an older stage: escalate_at at its
// deadline), and 4 stages due soon. Sweeps on Wednesday 4 March at 10:00
// write every overdue, escalation and due-soon notice, then nothing; the
// later escalation comes on Monday 9 March. A stage activated afresh is
// told again.
func TestScheduleNotificationsWorkThroughABacklog(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		db.SetScheduleLimitForTest(3)
		at := func(m time.Month, d, h int) *time.Time { v := stockholmAt(t, 2026, m, d, h); return &v }
		endOf := func(m time.Month, d int) *time.Time { v := at(m, d, 0).Add(24*time.Hour - time.Second); return &v }
		var reqs []*domain.Request
		add := func(due *time.Time, esc *domain.Escalation) *domain.Request {
			n := len(reqs) + 1
			r := newDraft(testID(t, n), "NO")
			r.Status, r.Reference, r.Version = domain.StatusInReview, fmt.Sprintf("SE-2026-EXA-%06d", n), 1
			r.Route = &domain.Route{PolicyVersion: "test", Stages: []domain.Stage{{ID: "intake", Role: domain.RoleHNS,
				Order: 1, Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: at(2, 20, 9), DueAt: due,
				Escalation: esc}}}
			reqs = append(reqs, r)
			return r
		}
		for range 7 {
			add(endOf(2, 26), nil)
		}
		friday := add(endOf(2, 27), &domain.Escalation{Role: domain.RoleOperations, AfterWorkingDays: 1})
		later := add(endOf(2, 27), &domain.Escalation{Role: domain.RoleOperations, AfterWorkingDays: 5})
		for range 4 {
			add(endOf(3, 5), nil)
		}
		err := db.InTx(ctx, func(tx domain.Tx) error {
			for i, u := range []domain.User{{Username: "hns", Roles: []domain.Role{domain.RoleHNS}},
				{Username: "ops", Roles: []domain.Role{domain.RoleOperations}}} {
				u.ID, u.Email, u.CreatedAt, u.UpdatedAt = testID(t, 100+i), u.Username+"@example.org", fixedNow, fixedNow
				if err := tx.CreateUser(&u); err != nil {
					return err
				}
			}
			for _, r := range reqs {
				if err := tx.CreateRequest(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// As migration 0015 leaves a stage stored before it: the estimate.
		if err := db.WriterForTest().Exec(`UPDATE request_stages SET escalate_at = due_at WHERE request_id = ?`,
			later.ID).Error; err != nil {
			t.Fatal(err)
		}
		emails := func(r *domain.Request) map[string]int {
			rows, err := db.Notifications(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, n := range rows {
				if n.Channel == domain.ChannelEmail {
					got[n.Kind]++
				}
			}
			return got
		}
		sweepUntilDone := func(now time.Time) int {
			total := 0
			for i := range 20 {
				n, err := db.ScheduleNotifications(ctx, now)
				if err != nil {
					t.Fatal(err)
				}
				if n > 3*3 { // three stage queries of 3 each; no expiries or delegations here
					t.Fatalf("sweep %d wrote %d notices, more than the limit allows", i, n)
				}
				if n == 0 {
					return total
				}
				total += n
			}
			t.Fatalf("sweeps at %v never finished", now)
			return 0
		}

		wed := *at(3, 4, 10)
		if n := sweepUntilDone(wed); n != 9+1+4 {
			t.Errorf("Wednesday's sweeps wrote %d notices, want 9 overdue, 1 escalation, 4 due soon", n)
		}
		for i, r := range reqs {
			got := emails(r)
			want := map[string]int{domain.NotifyStageOverdue: 1}
			switch {
			case r == friday:
				want[domain.NotifyStageEscalated] = 1
			case i >= 9:
				want = map[string]int{domain.NotifyStageDueSoon: 1}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("request %d (%s): e-mails %v, want %v", i+1, r.Reference, got, want)
			}
		}
		if got := emails(later)[domain.NotifyStageEscalated]; got != 0 {
			t.Errorf("escalated on Wednesday, five working days too early")
		}

		// Monday 9 March: the five working days have passed (Friday 6 March).
		if n := sweepUntilDone(*at(3, 9, 10)); n != 4+1 {
			t.Errorf("Monday's sweeps wrote %d notices, want the 4 due-soon stages now overdue and 1 escalation", n)
		}
		if got := emails(later)[domain.NotifyStageEscalated]; got != 1 {
			t.Errorf("the later escalation: %d e-mails, want 1", got)
		}

		// Activated afresh with a new deadline: overdue again, told again.
		r := reqs[0]
		r.Route.Stages[0].ActivatedAt, r.Route.Stages[0].DueAt = at(3, 10, 9), endOf(3, 11)
		r.Version++
		if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.UpdateRequest(r, r.Version-1) }); err != nil {
			t.Fatal(err)
		}
		if n := sweepUntilDone(*at(3, 13, 10)); n < 1 {
			t.Fatalf("the stage activated afresh was not told again")
		}
		if got := emails(r)[domain.NotifyStageOverdue]; got != 2 {
			t.Errorf("the stage activated afresh: %d overdue e-mails, want 2", got)
		}
	})
}

// TestScheduleNotificationsWorkThroughExpiriesAndDelegations: with the
// limit lowered to 2, five permits expiring this week and five started
// delegations are all told, each once, by the sweeps that follow: the
// ones already told are not read again.
func TestScheduleNotificationsWorkThroughExpiriesAndDelegations(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		db.SetScheduleLimitForTest(2)
		now := stockholmAt(t, 2026, 3, 3, 10)
		var reqs []*domain.Request
		err := db.InTx(ctx, func(tx domain.Tx) error {
			for i, u := range []domain.User{{Username: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"},
				{Username: "hns", Roles: []domain.Role{domain.RoleHNS}}, {Username: "deputy", Roles: []domain.Role{domain.RoleRange}}} {
				u.ID, u.Email, u.CreatedAt, u.UpdatedAt = testID(t, 100+i), u.Username+"@example.org", fixedNow, fixedNow
				if err := tx.CreateUser(&u); err != nil {
					return err
				}
			}
			for i := range 5 {
				r := newDraft(testID(t, i+1), "NO")
				r.Status, r.Reference, r.Version = domain.StatusApproved, fmt.Sprintf("SE-2026-EXA-%06d", i+1), 1
				r.Period = domain.Period{Start: day("2026-02-20"), End: day(fmt.Sprintf("2026-03-%02d", 4+i%3))}
				if err := tx.CreateRequest(r); err != nil {
					return err
				}
				reqs = append(reqs, r)
				if err := tx.CreateDelegation(&domain.Delegation{ID: testID(t, 300+i), From: "hns", To: "deputy",
					Role: domain.RoleHNS, Starts: now.Add(-time.Duration(i+1) * time.Hour), Ends: now.AddDate(0, 0, 5),
					CreatedAt: fixedNow}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			n, err := db.ScheduleNotifications(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			if n > 2*2 || i > 10 {
				t.Fatalf("sweep %d wrote %d notices", i, n)
			}
		}
		count := func(requestID, kind string) int {
			rows, err := db.Notifications(ctx, requestID)
			if err != nil {
				t.Fatal(err)
			}
			c := 0
			for _, n := range rows {
				if n.Channel == domain.ChannelEmail && n.Kind == kind {
					c++
				}
			}
			return c
		}
		for _, r := range reqs {
			if got := count(r.ID, domain.NotifyRequestExpiring); got != 1 {
				t.Errorf("%s: %d expiry e-mails, want 1", r.Reference, got)
			}
		}
		if got := count("", domain.NotifyDelegationStarted); got != 5 {
			t.Errorf("%d delegation.started e-mails, want 5", got)
		}
	})
}

// TestScheduleNotificationsWorkThroughEndingDelegations: with the limit
// lowered to 2, five counting delegations that end within the day (started
// long ago, so no started notice; their ends with fractions of a second of
// every length, or none) are all told that they end, each once, by the
// sweeps that follow: the ones already told are not read again, so they do
// not fill every sweep's read.
func TestScheduleNotificationsWorkThroughEndingDelegations(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		db.SetScheduleLimitForTest(2)
		now := stockholmAt(t, 2026, 3, 3, 10)
		fractions := []time.Duration{0, 100 * time.Millisecond, 123456 * time.Microsecond, 5 * time.Microsecond, 999999 * time.Microsecond}
		ids := make([]string, len(fractions))
		for i := range ids {
			ids[i] = testID(t, 300+i)
		}
		err := db.InTx(ctx, func(tx domain.Tx) error {
			for i, u := range []domain.User{{Username: "hns", Roles: []domain.Role{domain.RoleHNS}},
				{Username: "deputy", Roles: []domain.Role{domain.RoleRange}}} {
				u.ID, u.Email, u.CreatedAt, u.UpdatedAt = testID(t, 100+i), u.Username+"@example.org", fixedNow, fixedNow
				if err := tx.CreateUser(&u); err != nil {
					return err
				}
			}
			for i, f := range fractions {
				if err := tx.CreateDelegation(&domain.Delegation{ID: ids[i], From: "hns", To: "deputy",
					Role: domain.RoleHNS, Starts: now.AddDate(0, -1, 0), Ends: now.Add(time.Duration(i+1)*time.Hour + f),
					CreatedAt: fixedNow}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The SQL reads each end as the key has it, to the microsecond.
		for i, id := range ids {
			want := now.Add(time.Duration(i+1)*time.Hour + fractions[i]).UnixMicro()
			if got, err := db.DelegationEndMicrosForTest(ctx, id); err != nil || got != want {
				t.Errorf("delegation %d: the SQL reads its end as %d (%v), the key has %d", i, got, err, want)
			}
		}
		for i := 0; ; i++ {
			n, err := db.ScheduleNotifications(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			if n > 2 || i > 10 {
				t.Fatalf("sweep %d wrote %d notices", i, n)
			}
		}
		rows, err := db.Notifications(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		told := map[string]int{}
		for _, n := range rows {
			if n.Channel == domain.ChannelEmail && n.Kind == domain.NotifyDelegationEnding {
				id, _ := domain.NoticeDelegation(n)
				told[id]++
			}
		}
		for i, id := range ids {
			if told[id] != 1 {
				t.Errorf("delegation %d (ends %v): %d delegation.ending e-mails, want 1", i, now.Add(time.Duration(i+1)*time.Hour+fractions[i]), told[id])
			}
		}
	})
}
