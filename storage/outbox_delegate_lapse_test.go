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

// changeDeputy changes the fixture's deputy through the account service at
// at: its roles and nation, or (roles nil) disables it.
func changeDeputy(t *testing.T, db *storage.DB, at time.Time, roles []domain.Role, nation string) {
	t.Helper()
	ctx := context.Background()
	us := domain.NewUserService(db, mustRef(t, db), func() time.Time { return at }, func() string { return testID(t, 960) })
	u, err := db.GetUserByUsername(ctx, "deputy")
	if err != nil {
		t.Fatal(err)
	}
	if roles == nil {
		_, err = us.SetDisabled(ctx, "admin", u.ID, true, "left")
	} else {
		_, err = us.Change(ctx, "admin", u.ID, u.Version, domain.UserChange{Roles: &roles, Nation: &nation, Reason: "moved"})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// deputyChanges are the account changes of the fixture's deputy (a range
// officer to whom hns delegated hns_officer) the tests below make; counts
// says whether the delegation still gives the deputy anything after it.
var deputyChanges = []struct {
	name   string
	roles  []domain.Role // nil: disabled
	nation string
	counts bool
}{
	{"made a liaison officer of Austria", []domain.Role{domain.RoleLiaison}, "AT", false},
	{"made an auditor", []domain.Role{domain.RoleAuditor}, "", false},
	{"disabled", nil, "", false},
	{"given another approver role", []domain.Role{domain.RoleMinistry}, "", true},
}

// TestDelegateWithoutApproverRoleIsToldNothing: a delegation counts only
// while its delegate is enabled and holds an approver role. Once the
// deputy is disabled or has no approver role left, the delegation of
// hns_officer to them is not among their active delegations (on the read
// pool, which the delivery worker and the queue read, and inside a
// transaction, which a decision reads), and the reminder sweep tells them
// nothing: neither the intake stages due soon and overdue (the audience
// of a role: the directory on SQLite, the queries on PostgreSQL) nor that
// the delegation started and ends. A deputy who keeps an approver role is
// told of both.
func TestDelegateWithoutApproverRoleIsToldNothing(t *testing.T) {
	for _, c := range deputyChanges {
		t.Run(c.name, func(t *testing.T) {
			forEachDB(t, func(t *testing.T, db *storage.DB) {
				ctx := context.Background()
				f := seedSchedule(t, db)
				changeDeputy(t, db, f.now.Add(-time.Minute), c.roles, c.nation)

				ds, err := db.ActiveDelegations(ctx, "deputy", f.now)
				if err != nil {
					t.Fatal(err)
				}
				var inTx []domain.Delegation
				if err := db.InTx(ctx, func(tx domain.Tx) error {
					inTx, err = tx.ActiveDelegations("deputy", f.now)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if want := map[bool]int{true: 1, false: 0}[c.counts]; len(ds) != want || len(inTx) != want {
					t.Errorf("the deputy's active delegations: %d on the read pool, %d in a transaction; want %d", len(ds), len(inTx), want)
				}

				if _, err := db.ScheduleNotifications(ctx, f.now); err != nil {
					t.Fatal(err)
				}
				_, all := scheduledEmails(t, db, f)
				deputy := userIDOf(t, db, "deputy")
				var told []string
				for _, n := range all {
					if n.Recipient == deputy {
						told = append(told, n.Kind+" "+n.Channel)
					}
				}
				slices.Sort(told)
				var want []string
				if c.counts {
					for _, kind := range []string{domain.NotifyDelegationEnding, domain.NotifyDelegationStarted,
						domain.NotifyStageDueSoon, domain.NotifyStageOverdue} {
						want = append(want, kind+" "+domain.ChannelEmail, kind+" "+domain.ChannelInbox)
					}
				}
				if !slices.Equal(told, want) {
					t.Errorf("the deputy was told:\n%s\nwant:\n%s", strings.Join(told, "\n"), strings.Join(want, "\n"))
				}
				if got, _ := scheduledEmails(t, db, f); !slices.Contains(got, "stage.overdue SE-2026-EXA-000001→hns@example.org") {
					t.Errorf("the holder of the role was not told: %v", got)
				}
			})
		})
	}
}

// TestDelegateLosingApproverRolesWithdrawsWhatReachedThem: the sweep has
// queued the deputy's e-mails — intake overdue and due soon through the
// delegation, range_safety overdue in their own right, and that the
// delegation started and ends. An account change that disables the deputy
// or takes their last approver role withdraws them all in its
// transaction: those that reached the deputy through the delegation with
// "the delegation it was addressed through lapsed: the delegate …", the
// range_safety one with "the recipient's access changed". A change that
// leaves the deputy an approver (range_officer taken, ministry given)
// withdraws only the range_safety one, with the latter: the delegation
// still gives the deputy hns_officer, and its notices and those about it
// are still theirs.
func TestDelegateLosingApproverRolesWithdrawsWhatReachedThem(t *testing.T) {
	for _, c := range deputyChanges {
		t.Run(c.name, func(t *testing.T) {
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
				if got, _ := deputyRows(t, db, f); len(got) != 5 || !strings.HasSuffix(strings.Join(got, ","), domain.DeliveryQueued) {
					t.Fatalf("the deputy's e-mails before the change: %v; want 5 queued", got)
				}

				changeDeputy(t, db, f.now.Add(time.Minute), c.roles, c.nation)
				lapsed := domain.DeliveryUndeliverable + ": " + domain.DelegateLapsedError
				if c.counts {
					lapsed = domain.DeliveryQueued + ": "
				}
				_, rows := deputyRows(t, db, f)
				var got []string
				for _, n := range rows {
					stage := stageNamed(n.Body)
					got = append(got, n.Kind+" "+stage+" "+n.Status+": "+n.LastError)
				}
				slices.Sort(got)
				u := domain.DeliveryUndeliverable
				want := []string{
					domain.NotifyDelegationEnding + " - " + lapsed,
					domain.NotifyDelegationStarted + " - " + lapsed,
					domain.NotifyStageDueSoon + " intake " + lapsed,
					domain.NotifyStageOverdue + " intake " + lapsed,
					domain.NotifyStageOverdue + " range_safety " + u + ": " + domain.AccessChangedError,
				}
				if !slices.Equal(got, want) {
					t.Errorf("the deputy's e-mails after the change:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			})
		})
	}
}
