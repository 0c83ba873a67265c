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

// revokeAs revokes from's delegation to the deputy through the approvals
// service at at, as from, in one transaction on db.
func revokeAs(t *testing.T, db *storage.DB, from string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	page, err := db.ListDelegations(ctx, domain.DelegationFilter{User: from}, at)
	ds := page.Items
	if err != nil || len(ds) != 1 || ds[0].To != "deputy" {
		t.Fatalf("%s's delegations: %+v, %v; want one to the deputy", from, ds, err)
	}
	svc := domain.NewApprovalService(db, nil, func() time.Time { return at }, func() string { return testID(t, 900) })
	p := domain.Principal{Subject: from, Roles: []domain.Role{domain.RoleHNS}}
	if _, err := svc.RevokeDelegation(ctx, p, ds[0].ID); err != nil {
		t.Fatal(err)
	}
}

// deputyRows lists the deputy's rows of the fixture's requests as
// "kind reference stage channel status", sorted, with the rows themselves.
func deputyRows(t *testing.T, db *storage.DB, f scheduleFixture) ([]string, []domain.Notification) {
	t.Helper()
	_, all := scheduledEmails(t, db, f)
	deputy := userIDOf(t, db, "deputy")
	var out []string
	var rows []domain.Notification
	for _, n := range all {
		if n.Recipient != deputy || n.Channel == domain.ChannelInbox {
			continue
		}
		stage := stageNamed(n.Body)
		ref := "-"
		if i := strings.Index(n.Subject, "SE-"); i >= 0 {
			ref = n.Subject[i:]
		}
		out = append(out, strings.Join([]string{n.Kind, ref, stage, n.Channel, n.Status}, " "))
		rows = append(rows, n)
	}
	slices.Sort(out)
	return out, rows
}

// TestRevokedDelegationWithdrawsItsNotices: the deputy, a range officer,
// holds hns_officer by delegation. The sweep tells them that the intake of
// one request is overdue and that of another is due soon (through the
// delegation), that the range_safety stage of the first is overdue (in
// their own right), and that the delegation started and ends within the
// day. Revoking the delegation withdraws the e-mails of the delegated role
// and those about the delegation, with a reason that says so, in the
// revocation's transaction; the range_safety e-mail, the inbox rows and
// the holder's rows keep their state.
func TestRevokedDelegationWithdrawsItsNotices(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := seedSchedule(t, db)
		f.overdue.Route.Stages[1].Status = domain.StageActive
		f.overdue.Version++
		if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.UpdateRequest(f.overdue, f.overdue.Version-1) }); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ScheduleNotifications(ctx, f.now); err != nil {
			t.Fatal(err)
		}
		const q = domain.DeliveryQueued
		got, rows := deputyRows(t, db, f)
		want := []string{
			"delegation.ending - - email " + q,
			"delegation.started - - email " + q,
			"stage.due_soon SE-2026-EXA-000002 intake email " + q,
			"stage.overdue SE-2026-EXA-000001 intake email " + q,
			"stage.overdue SE-2026-EXA-000001 range_safety email " + q,
		}
		if !slices.Equal(got, want) {
			t.Fatalf("the deputy's e-mails before the revocation:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for _, n := range rows {
			if role := n.AudienceRole; strings.HasPrefix(n.Kind, "stage.") != (role != "") {
				t.Errorf("%s %s: addressed to role %q", n.Kind, n.Body, role)
			}
		}
		hnsBefore := queuedOf(t, db, f, "hns")

		revokeAs(t, db, "hns", f.now.Add(time.Minute))
		got, rows = deputyRows(t, db, f)
		const u = domain.DeliveryUndeliverable
		want = []string{
			"delegation.ending - - email " + u,
			"delegation.started - - email " + u,
			"stage.due_soon SE-2026-EXA-000002 intake email " + u,
			"stage.overdue SE-2026-EXA-000001 intake email " + u,
			"stage.overdue SE-2026-EXA-000001 range_safety email " + q,
		}
		if !slices.Equal(got, want) {
			t.Fatalf("the deputy's e-mails after the revocation:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for _, n := range rows {
			if n.Status == u && n.LastError != domain.DelegationRevokedError {
				t.Errorf("withdrawn %s: last error %q, want %q", n.Kind, n.LastError, domain.DelegationRevokedError)
			}
		}
		if after := queuedOf(t, db, f, "hns"); after != hnsBefore || after == 0 {
			t.Errorf("the holder's queued rows went from %d to %d", hnsBefore, after)
		}
		// The inbox keeps the deputy's rows (it shows what they may open now).
		if _, all := scheduledEmails(t, db, f); inboxOf(all, userIDOf(t, db, "deputy")) != len(want) {
			t.Errorf("the deputy's inbox rows: %d, want %d", inboxOf(all, userIDOf(t, db, "deputy")), len(want))
		}
	})
}

// delegationMails lists the deputy's e-mails about their delegations as
// "delegator kind status", sorted, each row's delegation read from its key
// (domain.NoticeDelegation); a row withdrawn with another reason than
// reason names it.
func delegationMails(t *testing.T, db *storage.DB, f scheduleFixture, reason string) []string {
	t.Helper()
	page, err := db.ListDelegations(context.Background(), domain.DelegationFilter{User: "deputy"}, f.now)
	ds := page.Items
	if err != nil {
		t.Fatal(err)
	}
	from := map[string]string{}
	for _, d := range ds {
		from[d.ID] = d.From
	}
	_, rows := deputyRows(t, db, f)
	var out []string
	for _, n := range rows {
		id, ok := domain.NoticeDelegation(n)
		if !ok {
			continue
		}
		s := from[id] + " " + n.Kind + " " + n.Status
		if n.Status == domain.DeliveryUndeliverable && n.LastError != reason {
			s += " (" + n.LastError + ")"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// delegationTold is what delegationMails lists when each delegator's
// delegation told the deputy that it started and ends, in status.
func delegationTold(status string, delegators ...string) string {
	var out []string
	for _, from := range delegators {
		out = append(out, from+" "+domain.NotifyDelegationEnding+" "+status, from+" "+domain.NotifyDelegationStarted+" "+status)
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

func queuedOf(t *testing.T, db *storage.DB, f scheduleFixture, user string) int {
	t.Helper()
	id := userIDOf(t, db, user)
	_, all := scheduledEmails(t, db, f)
	n := 0
	for _, r := range all {
		if r.Recipient == id && r.Status == domain.DeliveryQueued {
			n++
		}
	}
	return n
}

func inboxOf(all []domain.Notification, id string) int {
	n := 0
	for _, r := range all {
		if r.Recipient == id && r.Channel == domain.ChannelInbox && r.Status == domain.DeliverySent {
			n++
		}
	}
	return n
}

// TestRevocationKeepsNoticesOfARoleStillHeld: the deputy holds hns_officer
// by two delegations; revoking one withdraws none of the role's notices,
// since the other still addresses them the same notices, but withdraws the
// notices about the revoked delegation (it started, it ends), and only
// those. Revoking the second withdraws the rest.
func TestRevocationKeepsNoticesOfARoleStillHeld(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := seedSchedule(t, db)
		addHNS2DelegatingToDeputy(t, db, f, 110)
		if _, err := db.ScheduleNotifications(ctx, f.now); err != nil {
			t.Fatal(err)
		}
		stageMails := func() (queued, withdrawn int) { return deputyStageMails(t, db, f, domain.DelegationRevokedError) }
		told := func() string { return strings.Join(delegationMails(t, db, f, domain.DelegationRevokedError), "\n") }
		const q, u = domain.DeliveryQueued, domain.DeliveryUndeliverable
		if q, w := stageMails(); q != 2 || w != 0 {
			t.Fatalf("before: %d queued, %d withdrawn stage e-mails; want 2, 0", q, w)
		}
		if got, want := told(), delegationTold(q, "hns", "hns2"); got != want {
			t.Fatalf("before: delegation notices\n%s\nwant\n%s", got, want)
		}
		revokeAs(t, db, "hns", f.now.Add(time.Minute))
		if q, w := stageMails(); q != 2 || w != 0 {
			t.Fatalf("after revoking one of two: %d queued, %d withdrawn; want 2, 0", q, w)
		}
		if got, want := told(), delegationTold(u, "hns")+"\n"+delegationTold(q, "hns2"); got != want {
			t.Fatalf("after revoking one of two: delegation notices\n%s\nwant\n%s", got, want)
		}
		revokeAs(t, db, "hns2", f.now.Add(2*time.Minute))
		if q, w := stageMails(); q != 0 || w != 2 {
			t.Fatalf("after revoking both: %d queued, %d withdrawn; want 0, 2", q, w)
		}
		if got, want := told(), delegationTold(u, "hns", "hns2"); got != want {
			t.Fatalf("after revoking both: delegation notices\n%s\nwant\n%s", got, want)
		}
	})
}

// TestRevokedDelegationSchedulesNothing: a delegation revoked before the
// sweep gives its delegate no reminder of the role's stages, nor a notice
// that it started or ends; the holder still gets theirs.
func TestRevokedDelegationSchedulesNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		f := seedSchedule(t, db)
		revokeAs(t, db, "hns", f.now.Add(-time.Minute))
		if _, err := db.ScheduleNotifications(context.Background(), f.now); err != nil {
			t.Fatal(err)
		}
		got, _ := scheduledEmails(t, db, f)
		for _, g := range got {
			if strings.HasSuffix(g, "deputy@example.org") {
				t.Errorf("the revoked delegation's delegate got %s", g)
			}
		}
		if !slices.Contains(got, "stage.overdue SE-2026-EXA-000001→hns@example.org") {
			t.Errorf("the holder's overdue notice is missing: %v", got)
		}
	})
}

// addHNS2DelegatingToDeputy adds a second intake officer, hns2 (user id
// testID(t, userN)), who delegates the role to the seeded deputy for the
// next 20 hours (delegation testID(t, 301)): the deputy then holds it by
// two delegations.
func addHNS2DelegatingToDeputy(t *testing.T, db *storage.DB, f scheduleFixture, userN int) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx domain.Tx) error {
		u := domain.User{ID: testID(t, userN), Username: "hns2", Roles: []domain.Role{domain.RoleHNS}, Email: "hns2@example.org",
			CreatedAt: fixedNow, UpdatedAt: fixedNow}
		if err := tx.CreateUser(&u); err != nil {
			return err
		}
		return tx.CreateDelegation(&domain.Delegation{ID: testID(t, 301), From: "hns2", To: "deputy", Role: domain.RoleHNS,
			Starts: f.now.Add(-time.Hour), Ends: f.now.Add(20 * time.Hour), CreatedAt: fixedNow})
	})
	if err != nil {
		t.Fatal(err)
	}
}
