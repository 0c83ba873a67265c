package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// TestOneTimePasswordExpiryStored: creation and reset store when the
// one-time password expires, OneTimePasswordTTL from the service's clock,
// and audit it; changing the password clears it.
func TestOneTimePasswordExpiryStored(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		now := fixedNow
		us := domain.NewUserService(db, mustRef(t, db), func() time.Time { return now }, func() string { return "u-otp" })
		created, err := us.CreateUser(ctx, "admin", domain.User{Username: "ops-new", Roles: []domain.Role{domain.RoleOperations}, MustChangePassword: true}, "h1")
		if err != nil {
			t.Fatal(err)
		}
		expiry := func() *time.Time {
			t.Helper()
			u, err := db.GetUser(ctx, created.ID)
			if err != nil {
				t.Fatal(err)
			}
			return u.OneTimePasswordExpiresAt
		}
		want := fixedNow.Add(domain.OneTimePasswordTTL)
		if got := expiry(); got == nil || !got.Equal(want) || !created.OneTimePasswordExpiresAt.Equal(want) {
			t.Fatalf("after creation: expiry %v (answered %v), want %v", got, created.OneTimePasswordExpiresAt, want)
		}
		now = fixedNow.Add(100 * time.Hour)
		reset, err := us.ResetPassword(ctx, "admin", created.ID, "h2", "forgotten")
		if err != nil {
			t.Fatal(err)
		}
		want = now.Add(domain.OneTimePasswordTTL)
		if got := expiry(); got == nil || !got.Equal(want) || !reset.OneTimePasswordExpiresAt.Equal(want) {
			t.Fatalf("after the reset: expiry %v, want %v", got, want)
		}
		if _, err := us.ChangePassword(ctx, domain.Principal{Subject: "ops-new"}, reset.Version, "h3"); err != nil {
			t.Fatal(err)
		}
		if got := expiry(); got != nil {
			t.Fatalf("after the change: expiry %v, want none", got)
		}
		// Without a one-time password there is no expiry to record.
		own, err := us.CreateUser(ctx, "system", domain.User{Username: "ops-own", Roles: []domain.Role{domain.RoleOperations}}, "h")
		if err == nil && own.OneTimePasswordExpiresAt != nil {
			t.Fatalf("an account with its own password got an expiry: %v", own.OneTimePasswordExpiresAt)
		}
		log := auditLog(t, db)
		for action, at := range map[string]time.Time{"user.created": fixedNow, "user.password_reset": fixedNow.Add(100 * time.Hour)} {
			entry := `"one_time_password_expires_at":"` + at.Add(domain.OneTimePasswordTTL).UTC().Format(time.RFC3339) + `"`
			if !strings.Contains(lineOf(log, `"action":"`+action+`"`), entry) {
				t.Errorf("the %s entry does not record %s:\n%s", action, entry, log)
			}
		}
		if strings.Contains(lineOf(log, `"action":"user.password_changed"`), "one_time_password_expires_at") {
			t.Errorf("the password change records an expiry:\n%s", log)
		}
	})
}

// TestOneTimePasswordExpiryMigration: one-time passwords set before the
// expiry existed count as set at the upgrade: they expire
// OneTimePasswordTTL after it. Accounts with their own password get none.
func TestOneTimePasswordExpiryMigration(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			db := openAtVersion(t, c.DSN, 24)
			w := db.WriterForTest()
			for _, row := range []struct {
				id, name string
				must     bool
			}{{"u1", "legacy-otp", true}, {"u2", "own-password", false}} {
				if err := w.Exec("INSERT INTO users (id, username, password_hash, roles, created_at, must_change_password) VALUES (?, ?, 'h', 'auditor', ?, ?)",
					row.id, row.name, fixedNow, row.must).Error; err != nil {
					t.Fatal(err)
				}
			}
			before := time.Now()
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			after := time.Now()
			legacy, err := db.GetUser(ctx, "u1")
			if err != nil {
				t.Fatal(err)
			}
			// The database's clock and ours are one machine's; a second
			// either side allows for its rounding.
			lo, hi := before.Add(domain.OneTimePasswordTTL-time.Second), after.Add(domain.OneTimePasswordTTL+time.Second)
			if e := legacy.OneTimePasswordExpiresAt; e == nil || e.Before(lo) || e.After(hi) {
				t.Fatalf("a one-time password from before the upgrade expires at %v, want between %v and %v", e, lo, hi)
			}
			if legacy.OneTimePasswordExpired(after) || !legacy.OneTimePasswordExpired(hi) {
				t.Errorf("legacy one-time password: expired at the upgrade %v, 72 hours on %v",
					legacy.OneTimePasswordExpired(after), legacy.OneTimePasswordExpired(hi))
			}
			own, err := db.GetUser(ctx, "u2")
			if err != nil || own.OneTimePasswordExpiresAt != nil {
				t.Fatalf("an account with its own password: %+v, %v", own, err)
			}
		})
	}
}

// lineOf is the first line of text holding s.
func lineOf(text, s string) string {
	for line := range strings.SplitSeq(text, "\n") {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

// auditLog is every stored audit entry, one a line.
func auditLog(t *testing.T, db *storage.DB) string {
	t.Helper()
	ctx := context.Background()
	size, err := db.AuditTreeSize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	err = db.StreamAuditEntries(ctx, 0, size, func(_ int64, entry []byte) error {
		b.Write(entry)
		b.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
