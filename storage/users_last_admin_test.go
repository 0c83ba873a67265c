package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestLastAdminWhoCanSignIn: an enabled administrator whose one-time
// password has expired cannot sign in, so they do not count as an
// administrator left: the last one who can sign in is neither disabled nor
// demoted (409, "… is the last administrator who can sign in"), while one
// whose one-time password still opens the account counts, and the expired
// one may be disabled.
func TestLastAdminWhoCanSignIn(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		otp := func(id, name string, expires time.Time) domain.User {
			u := user(id, name, domain.RoleAdmin)
			u.MustChangePassword, u.OneTimePasswordExpiresAt = true, &expires
			return u
		}
		addUsers(t, db, user("u1", "root", domain.RoleAdmin),
			otp("u2", "stale", fixedNow.Add(-time.Hour)),
			otp("u3", "fresh", fixedNow.Add(time.Hour)),
			user("u4", "ops", domain.RoleOperations))
		count := func(at time.Time) int {
			t.Helper()
			var n int
			if err := db.InTx(ctx, func(tx domain.Tx) (err error) { n, err = tx.CountAdminsWhoCanSignIn(at); return err }); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// fresh's one-time password expires at fixedNow+1h: from then on, as
		// at sign-in (OneTimePasswordExpired), it opens nothing.
		for _, c := range []struct {
			at   time.Time
			want int
		}{{fixedNow, 2}, {fixedNow.Add(time.Hour - time.Microsecond), 2}, {fixedNow.Add(time.Hour), 1}} {
			if got := count(c.at); got != c.want {
				t.Errorf("administrators who can sign in at %v: %d, want %d", c.at, got, c.want)
			}
		}

		later := fixedNow.Add(2 * time.Hour) // both one-time passwords expired
		us := domain.NewUserService(db, mustRef(t, db), func() time.Time { return later }, func() string { return "id" })
		lastRefusal := func(what string, err error) {
			t.Helper()
			if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(err.Error(), `"root" is the last administrator who can sign in;`) {
				t.Errorf("%s: %v, want the last administrator's refusal", what, err)
			}
		}
		_, err := us.SetDisabled(ctx, "fresh", "u1", true, "leaving")
		lastRefusal("disabling root", err)
		ops := []domain.Role{domain.RoleOperations}
		_, err = us.Change(ctx, "fresh", "u1", 1, domain.UserChange{Roles: &ops, Reason: "moved"})
		lastRefusal("demoting root", err)
		// An administrator who cannot sign in may be disabled: it leaves
		// root, who can.
		if _, err := us.SetDisabled(ctx, "root", "u2", true, "never signed in"); err != nil {
			t.Errorf("disabling an administrator whose one-time password expired: %v", err)
		}

		// While fresh's one-time password still opens the account, root
		// is not the last.
		early := domain.NewUserService(db, mustRef(t, db), func() time.Time { return fixedNow }, func() string { return "id" })
		if _, err := early.SetDisabled(ctx, "fresh", "u1", true, "leaving"); err != nil {
			t.Errorf("disabling root beside an administrator whose one-time password is valid: %v", err)
		}
	})
}
