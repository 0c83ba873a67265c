package storage_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// stockholmAt is an instant of Stockholm wall-clock time.
func stockholmAt(t *testing.T, y int, m time.Month, d, h int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(y, m, d, h, 0, 0, 0, loc).UTC()
}

// scheduleFixture stores, for a sweep on Tuesday 3 March 2026 at 10:00
// Stockholm time: liaison officers of NO and DE, an HNS officer, an
// operations approver and a deputy to whom the HNS officer delegated their
// role from an hour ago until tomorrow morning; a NO request with an
// overdue intake stage (escalating at once to operations_approver) beside
// a decided overdue stage; a NO request whose intake is due tomorrow; and
// an approved request of each nation whose period ends within the week.
type scheduleFixture struct {
	now                         time.Time
	overdue, soon, expNO, expDE *domain.Request
}

func seedSchedule(t *testing.T, db *storage.DB) scheduleFixture {
	t.Helper()
	ctx := context.Background()
	f := scheduleFixture{now: stockholmAt(t, 2026, 3, 3, 10)}
	users := []domain.User{
		{Username: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"},
		{Username: "lo-de", Roles: []domain.Role{domain.RoleLiaison}, Nation: "DE"},
		{Username: "hns", Roles: []domain.Role{domain.RoleHNS}},
		{Username: "ops", Roles: []domain.Role{domain.RoleOperations}},
		{Username: "deputy", Roles: []domain.Role{domain.RoleRange}},
	}
	at := func(d, h int) *time.Time { v := stockholmAt(t, 2026, time.Month(d/100), d%100, h); return &v }
	endOf := func(d int) *time.Time { v := at(d, 0).Add(24*time.Hour - time.Second); return &v }
	request := func(n int, nation, ref string, st domain.Status, stages ...domain.Stage) *domain.Request {
		r := newDraft(testID(t, n), nation)
		r.Status, r.Reference, r.Version = st, ref, 1
		if len(stages) > 0 {
			r.Route = &domain.Route{PolicyVersion: "test", Stages: stages}
		}
		return r
	}
	f.overdue = request(1, "NO", "SE-2026-EXA-000001", domain.StatusInReview,
		domain.Stage{ID: "intake", Role: domain.RoleHNS, Order: 1, Status: domain.StageActive, ApprovalsRequired: 1,
			ActivatedAt: at(225, 9), DueAt: endOf(227), Escalation: &domain.Escalation{Role: domain.RoleOperations}},
		domain.Stage{ID: "range_safety", Role: domain.RoleRange, Order: 1, Status: domain.StageApproved, ApprovalsRequired: 1,
			ActivatedAt: at(225, 9), DueAt: endOf(227), Escalation: &domain.Escalation{Role: domain.RoleOperations}})
	f.soon = request(2, "NO", "SE-2026-EXA-000002", domain.StatusInReview,
		domain.Stage{ID: "intake", Role: domain.RoleHNS, Order: 1, Status: domain.StageActive, ApprovalsRequired: 1,
			ActivatedAt: at(302, 9), DueAt: endOf(304), Escalation: &domain.Escalation{Role: domain.RoleOperations}})
	f.expNO = request(3, "NO", "SE-2026-EXA-000003", domain.StatusApproved)
	f.expNO.Period = domain.Period{Start: day("2026-02-20"), End: day("2026-03-06")}
	f.expDE = request(4, "DE", "SE-2026-EXA-000004", domain.StatusApproved)
	f.expDE.Period = domain.Period{Start: day("2026-02-20"), End: day("2026-03-05")}
	err := db.InTx(ctx, func(tx domain.Tx) error {
		for i := range users {
			u := users[i]
			u.ID, u.Email, u.CreatedAt, u.UpdatedAt = testID(t, 100+i), u.Username+"@example.org", fixedNow, fixedNow
			if err := tx.CreateUser(&u); err != nil {
				return err
			}
		}
		for _, r := range []*domain.Request{f.overdue, f.soon, f.expNO, f.expDE} {
			if err := tx.CreateRequest(r); err != nil {
				return err
			}
		}
		return tx.CreateDelegation(&domain.Delegation{ID: testID(t, 300), From: "hns", To: "deputy", Role: domain.RoleHNS,
			Starts: f.now.Add(-time.Hour), Ends: f.now.Add(20 * time.Hour), CreatedAt: fixedNow})
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// scheduledEmails lists the e-mail rows of the requests (and "" for the
// delegation notices) as "kind request→address", sorted.
func scheduledEmails(t *testing.T, db *storage.DB, f scheduleFixture) ([]string, []domain.Notification) {
	t.Helper()
	var out []string
	var all []domain.Notification
	for _, r := range []*domain.Request{f.overdue, f.soon, f.expNO, f.expDE, {}} {
		rows, err := db.Notifications(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range rows {
			all = append(all, n)
			if n.Channel == domain.ChannelEmail {
				out = append(out, n.Kind+" "+r.Reference+"→"+n.Address)
			}
		}
	}
	slices.Sort(out)
	return out, all
}

func TestScheduleNotifications(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := seedSchedule(t, db)
		n, err := db.ScheduleNotifications(ctx, f.now)
		if err != nil {
			t.Fatal(err)
		}
		got, rows := scheduledEmails(t, db, f)
		want := []string{
			"delegation.ending →deputy@example.org",
			"delegation.started →deputy@example.org",
			"request.expiring SE-2026-EXA-000003→lo-no@example.org",
			"request.expiring SE-2026-EXA-000004→lo-de@example.org",
			"stage.due_soon SE-2026-EXA-000002→deputy@example.org",
			"stage.due_soon SE-2026-EXA-000002→hns@example.org",
			"stage.escalated SE-2026-EXA-000001→ops@example.org",
			"stage.overdue SE-2026-EXA-000001→deputy@example.org",
			"stage.overdue SE-2026-EXA-000001→hns@example.org",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("scheduled e-mails:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if n != 7 {
			t.Errorf("the sweep reports %d notices, want 7", n)
		}
		if len(rows) != 2*len(want) {
			t.Errorf("%d rows, want an inbox row beside each of the %d e-mails", len(rows), len(want))
		}
		for _, row := range rows {
			// The decided range_safety stage is past its deadline too, but
			// it is decided: no notice names it.
			if strings.Contains(row.Body, "range safety") || strings.Contains(row.Body, "range_safety") {
				t.Errorf("a notice about the decided stage: %q", row.Body)
			}
			// Nothing about another nation's request reaches a liaison
			// officer: lo-no's rows name only NO's request, lo-de's only DE's.
			switch row.Address {
			case "lo-no@example.org":
				if row.RequestID != f.expNO.ID || strings.Contains(row.Body+row.Subject, f.expDE.Reference) {
					t.Errorf("lo-no got %q / %q of request %s", row.Subject, row.Body, row.RequestID)
				}
			case "lo-de@example.org":
				if row.RequestID != f.expDE.ID || strings.Contains(row.Body+row.Subject, f.expNO.Reference) {
					t.Errorf("lo-de got %q / %q of request %s", row.Subject, row.Body, row.RequestID)
				}
			}
		}

		// Twice in a row, and again a minute later: each notice is stored once.
		for _, at := range []time.Time{f.now, f.now.Add(time.Minute)} {
			if n, err := db.ScheduleNotifications(ctx, at); err != nil || n != 0 {
				t.Fatalf("sweep at %v wrote %d notices (%v), want none", at, n, err)
			}
		}
		if again, _ := scheduledEmails(t, db, f); !slices.Equal(again, want) {
			t.Fatalf("after more sweeps:\n%s", strings.Join(again, "\n"))
		}
	})
}

// TestScheduleNotificationsAfterADecision: once the overdue stage is
// decided, a later sweep neither repeats its overdue notice nor writes a
// new one; the sweep on Wednesday finds nothing due soon any more either,
// because that stage was decided too.
func TestScheduleNotificationsAfterADecision(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := seedSchedule(t, db)
		for _, r := range []*domain.Request{f.overdue, f.soon} {
			r.Route.Stages[0].Status = domain.StageApproved
			r.Version++
			if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.UpdateRequest(r, r.Version-1) }); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.ScheduleNotifications(ctx, f.now); err != nil {
			t.Fatal(err)
		}
		got, _ := scheduledEmails(t, db, f)
		for _, g := range got {
			if strings.HasPrefix(g, "stage.") {
				t.Errorf("a decided stage got %s", g)
			}
		}
		if len(got) != 4 { // the expiries and the delegation's two
			t.Errorf("notices %v, want the expiries and the delegation's only", got)
		}
	})
}
