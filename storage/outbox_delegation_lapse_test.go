package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestLapsedDelegationWithdrawsItsNotices: hns delegates hns_officer to
// the deputy, and the sweep tells the deputy of two intake stages through
// the delegation, and that the delegation started and ends within the day.
// An account change of the delegator that makes the delegation stop
// counting (disabled, or hns_officer taken away) withdraws those stage
// e-mails, saying why, in the change's transaction — unless the deputy
// still receives the role by another delegation that counts — and the
// e-mails about that delegation in any case, but not those about the
// other one. A change that leaves the delegator the role withdraws nothing
// of the deputy's. Two delegations of the role from the same delegator
// both stop counting at once: the read of the deputy's other delegations
// sees the account as the transaction changed it.
func TestLapsedDelegationWithdrawsItsNotices(t *testing.T) {
	type step func(t *testing.T, db *storage.DB, us *domain.UserService)
	const q, u = domain.DeliveryQueued, domain.DeliveryUndeliverable
	disable := func(name string) step {
		return func(t *testing.T, db *storage.DB, us *domain.UserService) {
			if _, err := us.SetDisabled(context.Background(), "admin", userIDOf(t, db, name), true, "left"); err != nil {
				t.Fatal(err)
			}
		}
	}
	setRoles := func(name string, roles ...domain.Role) step {
		return func(t *testing.T, db *storage.DB, us *domain.UserService) {
			u, err := db.GetUserByUsername(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := us.Change(context.Background(), "admin", u.ID, u.Version, domain.UserChange{Roles: &roles, Reason: "moved"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range []struct {
		name      string
		setup     func(t *testing.T, f scheduleFixture, tx domain.Tx) error
		change    []step
		queued    int
		withdrawn int
		// told is what the deputy's e-mails about their delegations are
		// after the change (delegationMails).
		told string
	}{
		{name: "delegator disabled", change: []step{disable("hns")}, withdrawn: 2, told: delegationTold(u, "hns")},
		{name: "delegator loses the role", setup: hnsAlsoMinistry,
			change: []step{setRoles("hns", domain.RoleMinistry)}, withdrawn: 2, told: delegationTold(u, "hns")},
		{name: "delegator loses another role", setup: hnsAlsoMinistry,
			change: []step{setRoles("hns", domain.RoleHNS)}, queued: 2, told: delegationTold(q, "hns")},
		{name: "another delegation still counts", setup: secondDelegation("hns2"),
			change: []step{disable("hns")}, queued: 2, told: delegationTold(u, "hns") + "\n" + delegationTold(q, "hns2")},
		{name: "then that one lapses too", setup: secondDelegation("hns2"),
			change: []step{disable("hns"), disable("hns2")}, withdrawn: 2, told: delegationTold(u, "hns", "hns2")},
		{name: "two delegations of one delegator", setup: secondDelegation(""),
			change: []step{disable("hns")}, withdrawn: 2, told: delegationTold(u, "hns", "hns")},
	} {
		t.Run(c.name, func(t *testing.T) {
			forEachDB(t, func(t *testing.T, db *storage.DB) {
				ctx := context.Background()
				f := seedSchedule(t, db)
				if c.setup != nil {
					if err := db.InTx(ctx, func(tx domain.Tx) error { return c.setup(t, f, tx) }); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := db.ScheduleNotifications(ctx, f.now); err != nil {
					t.Fatal(err)
				}
				if q, w := deputyStageMails(t, db, f, domain.DelegationLapsedError); q != 2 || w != 0 {
					t.Fatalf("before: %d queued, %d withdrawn stage e-mails; want 2, 0", q, w)
				}
				now := f.now.Add(time.Minute)
				us := domain.NewUserService(db, mustRef(t, db), func() time.Time { return now }, func() string { return testID(t, 950) })
				for _, s := range c.change {
					s(t, db, us)
					now = now.Add(time.Minute)
				}
				if q, w := deputyStageMails(t, db, f, domain.DelegationLapsedError); q != c.queued || w != c.withdrawn {
					t.Errorf("after: %d queued, %d withdrawn stage e-mails; want %d, %d", q, w, c.queued, c.withdrawn)
				}
				if got := strings.Join(delegationMails(t, db, f, domain.DelegationLapsedError), "\n"); got != c.told {
					t.Errorf("the deputy's e-mails about their delegations:\n%s\nwant:\n%s", got, c.told)
				}
			})
		})
	}
}

// deputyStageMails counts the deputy's stage e-mails still queued and
// those withdrawn with reason; any other state fails the test.
func deputyStageMails(t *testing.T, db *storage.DB, f scheduleFixture, reason string) (queued, withdrawn int) {
	t.Helper()
	_, rows := deputyRows(t, db, f)
	for _, n := range rows {
		switch {
		case !strings.HasPrefix(n.Kind, "stage."):
		case n.Status == domain.DeliveryQueued:
			queued++
		case n.Status == domain.DeliveryUndeliverable && n.LastError == reason:
			withdrawn++
		default:
			t.Errorf("%s: %s (%s)", n.Kind, n.Status, n.LastError)
		}
	}
	return queued, withdrawn
}

// hnsAlsoMinistry gives the fixture's hns the ministry role as well.
func hnsAlsoMinistry(t *testing.T, _ scheduleFixture, tx domain.Tx) error {
	u, err := tx.GetUserByUsername("hns", false)
	if err != nil {
		return err
	}
	u.Roles = []domain.Role{domain.RoleHNS, domain.RoleMinistry}
	u.Version++
	return tx.UpdateUser(u, u.Version-1)
}

// secondDelegation adds a second delegation of hns_officer to the deputy,
// running as long as the fixture's: from a new account from, or from hns
// again when from is "".
func secondDelegation(from string) func(t *testing.T, f scheduleFixture, tx domain.Tx) error {
	return func(t *testing.T, f scheduleFixture, tx domain.Tx) error {
		delegator := "hns"
		if from != "" {
			delegator = from
			u := domain.User{ID: testID(t, 110), Username: from, Roles: []domain.Role{domain.RoleHNS}, Email: from + "@example.org",
				CreatedAt: fixedNow, UpdatedAt: fixedNow}
			if err := tx.CreateUser(&u); err != nil {
				return err
			}
		}
		return tx.CreateDelegation(&domain.Delegation{ID: testID(t, 301), From: delegator, To: "deputy", Role: domain.RoleHNS,
			Starts: f.now.Add(-time.Hour), Ends: f.now.Add(20 * time.Hour), CreatedAt: fixedNow})
	}
}
