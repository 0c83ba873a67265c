package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestLegacyHostNationLiaison: a liaison officer stored bound to Sweden,
// the host nation, before that was refused is listed by the accounts
// service as a legacy account, saying why; one of another nation is not.
func TestLegacyHostNationLiaison(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		for i, u := range []domain.User{
			{Username: "lo-se", Roles: []domain.Role{domain.RoleLiaison}, Nation: "SE"},
			{Username: "lo-fi", Roles: []domain.Role{domain.RoleLiaison}, Nation: "FI"},
		} {
			u.ID, u.CreatedAt, u.UpdatedAt = testID(t, 700+i), fixedNow, fixedNow
			if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.CreateUser(&u) }); err != nil {
				t.Fatal(err)
			}
		}
		svc := domain.NewUserService(db, nil, func() time.Time { return fixedNow }, func() string { return "id" })
		accounts, err := svc.LegacyAccounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(accounts) != 1 || accounts[0].User.Username != "lo-se" || !slices.Equal(accounts[0].Warnings, []string{domain.HostNationWarning}) {
			t.Fatalf("legacy accounts: %+v", accounts)
		}
	})
}
