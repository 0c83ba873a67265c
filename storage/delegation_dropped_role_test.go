package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestDelegationOfDroppedRoleCountsNot: a running delegation of a role
// the policy in force no longer names (customs_officer, which its
// delegator still holds) gives its delegate nothing: ActiveDelegations
// leaves it out, the list says delegator_lost_role, and the sweep tells
// the delegate nothing of it — while the same delegation of a role still
// known does all three (TestRevokedDelegationSchedulesNothing's
// fixture).
func TestDelegationOfDroppedRoleCountsNot(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := seedSchedule(t, db)
		err := db.InTx(ctx, func(tx domain.Tx) error {
			u := domain.User{ID: testID(t, 150), Username: "tull", Roles: []domain.Role{domain.RoleMinistry, "customs_officer"},
				Email: "tull@example.org", CreatedAt: fixedNow, UpdatedAt: fixedNow}
			if err := tx.CreateUser(&u); err != nil {
				return err
			}
			return tx.CreateDelegation(&domain.Delegation{ID: testID(t, 350), From: "tull", To: "deputy", Role: "customs_officer",
				Starts: f.now.Add(-time.Hour), Ends: f.now.Add(20 * time.Hour), CreatedAt: fixedNow})
		})
		if err != nil {
			t.Fatal(err)
		}
		active, err := db.ActiveDelegations(ctx, "deputy", f.now)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range active {
			if d.Role == "customs_officer" {
				t.Errorf("ActiveDelegations returns the delegation of a dropped role")
			}
		}
		page, err := db.ListDelegations(ctx, domain.DelegationFilter{User: "tull", Limit: 10}, f.now)
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("list: %+v, %v", page, err)
		}
		if why := page.Items[0].InactiveReason; why != domain.InactiveDelegatorLostRole {
			t.Errorf("inactive reason %q, want %q", why, domain.InactiveDelegatorLostRole)
		}
		if _, err := db.ScheduleNotifications(ctx, f.now); err != nil {
			t.Fatal(err)
		}
		_, all := scheduledEmails(t, db, f)
		for _, n := range all {
			if strings.Contains(n.Key, testID(t, 350)) || strings.Contains(n.Body, "customs_officer") {
				t.Errorf("the sweep wrote a notice of the dropped role's delegation: %s %s", n.Kind, n.Key)
			}
		}
	})
}
