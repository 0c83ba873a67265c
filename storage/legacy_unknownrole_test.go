package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestLegacyAccountHoldingDroppedRole: an account holding a role the
// loaded policy does not name (customs_officer), alone or beside known
// ones, is listed by the accounts service with a warning naming it; an
// account of known roles only is not, and once a policy names the role
// nobody is.
func TestLegacyAccountHoldingDroppedRole(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		t.Cleanup(domain.SnapshotRoles().Restore)
		ctx := context.Background()
		for i, u := range []domain.User{
			{Username: "tull", Roles: []domain.Role{domain.RoleHNS, "customs_officer", domain.RoleRange}},
			{Username: "cust", Roles: []domain.Role{"customs_officer"}},
			{Username: "both", Roles: []domain.Role{domain.RoleHNS, domain.RoleRange, domain.RoleMinistry}},
		} {
			u.ID, u.CreatedAt, u.UpdatedAt = testID(t, 720+i), fixedNow, fixedNow
			if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.CreateUser(&u) }); err != nil {
				t.Fatal(err)
			}
		}
		svc := domain.NewUserService(db, nil, func() time.Time { return fixedNow }, func() string { return "id" })
		accounts, err := svc.LegacyAccounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range accounts {
			if !slices.Equal(a.Warnings, []string{domain.UnknownRolesWarning([]domain.Role{"customs_officer"})}) {
				t.Errorf("%s's warnings: %q", a.User.Username, a.Warnings)
			}
			got = append(got, a.User.Username)
		}
		if !slices.Equal(got, []string{"tull", "cust"}) {
			t.Errorf("legacy accounts %v, want tull and cust", got)
		}
		domain.AddApproverRoles("customs_officer")
		if accounts, err = svc.LegacyAccounts(ctx); err != nil || len(accounts) != 0 {
			t.Errorf("with a policy naming customs_officer: %+v, %v", accounts, err)
		}
	})
}
