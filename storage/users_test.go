package storage_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

func addUsers(t *testing.T, db *storage.DB, users ...domain.User) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx domain.Tx) error {
		for i := range users {
			u := users[i]
			if err := tx.CreateUser(&u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func user(id, name string, roles ...domain.Role) domain.User {
	return domain.User{ID: id, Username: name, PasswordHash: "h", Roles: roles, CreatedAt: fixedNow, Generation: 1, Version: 1}
}

// TestUserLifeColumns: every column of an account's life reads back, and
// UpdateUser is a compare-and-set on the version.
func TestUserLifeColumns(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		addUsers(t, db, user("u1", "ops", domain.RoleOperations))
		u, err := db.GetUser(ctx, "u1")
		if err != nil || u.Generation != 1 || u.Version != 1 || u.Disabled() || u.External || !u.ClaimsIssuedAt.IsZero() || !u.TokensEndedAt.IsZero() {
			t.Fatalf("new user: %+v, %v", u, err)
		}
		until, iat := fixedNow.Add(time.Hour), fixedNow.Add(-time.Hour)
		u.Generation, u.Version, u.DisabledAt, u.DisabledReason = 3, 2, &fixedNow, "left"
		u.MustChangePassword, u.FailedSignIns, u.LockedUntil, u.UpdatedAt = true, 4, &until, fixedNow.Add(time.Minute)
		u.Roles, u.Nation, u.External, u.ClaimsIssuedAt = []domain.Role{domain.RoleLiaison}, "NO", true, iat
		ended := fixedNow.Add(-time.Minute + 1500*time.Millisecond)
		u.TokensEndedAt = ended
		if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.UpdateUser(u, 1) }); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetUser(ctx, "u1")
		if err != nil || got.Generation != 3 || got.Version != 2 || !got.DisabledAt.Equal(fixedNow) || got.DisabledReason != "left" ||
			!got.MustChangePassword || got.FailedSignIns != 4 || !got.LockedUntil.Equal(until) || !got.UpdatedAt.Equal(u.UpdatedAt) ||
			!got.External || !got.ClaimsIssuedAt.Equal(iat) || got.ClaimsIssuedAt.Location() != time.UTC ||
			!got.TokensEndedAt.Equal(ended) || got.TokensEndedAt.Location() != time.UTC {
			t.Fatalf("read back %+v, %v", got, err)
		}
		wantCode(t, db.InTx(ctx, func(tx domain.Tx) error { return tx.UpdateUser(u, 1) }), domain.CodePreconditionFailed)
		st, err := db.AccountState(ctx, "ops")
		if err != nil || st.Generation != 3 || !st.Disabled || st.Claims == nil ||
			!slices.Equal(st.Claims.Roles, u.Roles) || st.Claims.Nation != "NO" || !st.Claims.IssuedAt.Equal(iat) ||
			!st.TokensEndedAt.Equal(ended) {
			t.Errorf("AccountState = %+v, %v", st, err)
		}
		_, err = db.AccountState(ctx, "nobody")
		wantCode(t, err, domain.CodeNotFound)
		all, err := db.AccountStates(ctx)
		if err != nil || len(all) != 1 || !reflect.DeepEqual(all["ops"], st) {
			t.Errorf("AccountStates = %v, %v", all, err)
		}
	})
}

// TestClaimsIssuedAtMigration: the accounts stored before the column
// existed know no token of the identity provider (a zero mark), so the
// next token's claims are taken as before; every other column stays.
func TestClaimsIssuedAtMigration(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			db := openAtVersion(t, c.DSN, 31)
			if err := db.WriterForTest().Exec("INSERT INTO users (id, username, password_hash, roles, nation, created_at, external) VALUES ('u1', 'idp:kari', '', 'liaison_officer', 'NO', ?, ?)",
				fixedNow, true).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			u, err := db.GetUser(ctx, "u1")
			if err != nil || !u.External || u.Nation != "NO" || !u.ClaimsIssuedAt.IsZero() {
				t.Fatalf("an external account from before the upgrade: %+v, %v", u, err)
			}
			st, err := db.AccountState(ctx, "idp:kari")
			if err != nil || !st.External || st.Claims == nil || st.Claims.Nation != "NO" ||
				!slices.Equal(st.Claims.Roles, []domain.Role{domain.RoleLiaison}) || !st.Claims.IssuedAt.IsZero() {
				t.Fatalf("its state: %+v, %v", st, err)
			}
		})
	}
}

// TestTokensEndedAtMigration: the accounts stored before the column existed,
// a disabled external one among them, have no time at which an
// administrator ended their tokens (zero: none is refused by it), and
// every other column stays; the next disable or enable sets it.
func TestTokensEndedAtMigration(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			db := openAtVersion(t, c.DSN, 32)
			if err := db.WriterForTest().Exec("INSERT INTO users (id, username, password_hash, roles, nation, created_at, external, disabled_at, idp_claims_issued_at) VALUES ('u1', 'idp:kari', '', 'liaison_officer', 'NO', ?, ?, ?, ?)",
				fixedNow, true, fixedNow, fixedNow.Add(-time.Hour)).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			u, err := db.GetUser(ctx, "u1")
			if err != nil || !u.External || !u.Disabled() || !u.ClaimsIssuedAt.Equal(fixedNow.Add(-time.Hour)) || !u.TokensEndedAt.IsZero() {
				t.Fatalf("an external account from before the upgrade: %+v, %v", u, err)
			}
			st, err := db.AccountState(ctx, "idp:kari")
			if err != nil || !st.External || !st.Disabled || !st.TokensEndedAt.IsZero() {
				t.Fatalf("its state: %+v, %v", st, err)
			}
		})
	}
}

// TestListUsersAndAdmins: filters match whole role names only, pages walk
// in id order, and enabled administrators are counted.
func TestListUsersAndAdmins(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		lo := user("u1", "lo-no", domain.RoleLiaison)
		lo.Nation = "NO"
		gone := user("u4", "admin2", domain.RoleAdmin)
		gone.DisabledAt = &fixedNow
		addUsers(t, db, lo, user("u2", "admin", domain.RoleAdmin, domain.RoleAuditor), user("u3", "ops", domain.RoleOperations), gone)
		list := func(f domain.UserFilter) string {
			f.Limit = 10
			page, err := db.ListUsers(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, u := range page.Items {
				names = append(names, u.Username)
			}
			return strings.Join(names, ",")
		}
		yes, no := true, false
		for _, c := range []struct {
			f    domain.UserFilter
			want string
		}{
			{domain.UserFilter{}, "lo-no,admin,ops,admin2"},
			{domain.UserFilter{Role: domain.RoleAdmin}, "admin,admin2"},
			{domain.UserFilter{Role: domain.RoleAuditor}, "admin"},
			{domain.UserFilter{Nation: "NO"}, "lo-no"},
			{domain.UserFilter{Disabled: &yes}, "admin2"},
			{domain.UserFilter{Disabled: &no, Role: domain.RoleAdmin}, "admin"},
			{domain.UserFilter{After: "u2"}, "ops,admin2"},
		} {
			if got := list(c.f); got != c.want {
				t.Errorf("%+v: %s, want %s", c.f, got, c.want)
			}
		}
		page, err := db.ListUsers(ctx, domain.UserFilter{Limit: 2})
		if err != nil || len(page.Items) != 2 || page.NextAfter != "u2" {
			t.Errorf("first page of 2: %d items, next %q, %v", len(page.Items), page.NextAfter, err)
		}
		var n int
		err = db.InTx(ctx, func(tx domain.Tx) (err error) { n, err = tx.CountAdminsWhoCanSignIn(fixedNow); return err })
		if err != nil || n != 1 {
			t.Errorf("CountAdminsWhoCanSignIn = %d, %v; want 1", n, err)
		}
	})
}

// TestDelegationsNeedAnEnabledDelegatorWithTheRole: a delegation grants
// nothing once its delegator is disabled or no longer holds the role.
func TestDelegationsNeedAnEnabledDelegatorWithTheRole(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		addUsers(t, db, user("u1", "hns", domain.RoleHNS), user("u2", "gov", domain.RoleMinistry))
		d := &domain.Delegation{ID: "d1", From: "hns", To: "gov", Role: domain.RoleHNS,
			Starts: fixedNow, Ends: fixedNow.Add(24 * time.Hour), CreatedAt: fixedNow}
		if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.CreateDelegation(d) }); err != nil {
			t.Fatal(err)
		}
		active := func() int {
			ds, err := db.ActiveDelegations(ctx, "gov", fixedNow.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			return len(ds)
		}
		change := func(f func(u *domain.User)) {
			u, err := db.GetUser(ctx, "u1")
			if err != nil {
				t.Fatal(err)
			}
			f(u)
			u.Version++
			if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.UpdateUser(u, u.Version-1) }); err != nil {
				t.Fatal(err)
			}
		}
		if n := active(); n != 1 {
			t.Fatalf("control: %d active delegations, want 1", n)
		}
		change(func(u *domain.User) { u.DisabledAt = &fixedNow })
		if n := active(); n != 0 {
			t.Errorf("disabled delegator: %d active delegations", n)
		}
		change(func(u *domain.User) { u.DisabledAt = nil; u.Roles = []domain.Role{domain.RoleRange} })
		if n := active(); n != 0 {
			t.Errorf("delegator without the role: %d active delegations", n)
		}
		change(func(u *domain.User) { u.Roles = []domain.Role{domain.RoleHNS, domain.RoleRange} })
		if n := active(); n != 1 {
			t.Errorf("delegator with the role again: %d active delegations", n)
		}
	})
}

// TestLastAdministratorRace: two administrators disable each other at the
// same moment; exactly one succeeds and the other is refused, so one
// enabled administrator is always left (PostgreSQL locks the admins' rows;
// SQLite's single writer serializes).
func TestLastAdministratorRace(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		n := 0
		users := domain.NewUserService(db, mustRef(t, db), time.Now, func() string { n++; return fmt.Sprintf("a%d", n) })
		for _, name := range []string{"admin1", "admin2"} {
			if _, err := users.CreateUser(ctx, "system", domain.User{Username: name, Roles: []domain.Role{domain.RoleAdmin}}, "h"); err != nil {
				t.Fatal(err)
			}
		}
		// A third transaction holds the audit counter (every account change
		// appends an entry), so that both changes have read and counted
		// before either can commit: without the administrators' row locks
		// both would then succeed.
		held, release, holderDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			holderDone <- db.InTx(ctx, func(tx domain.Tx) error {
				if err := tx.AppendAudit(&domain.AuditEntry{At: fixedNow, Actor: "test", Action: "test.hold"}); err != nil {
					return err
				}
				close(held)
				<-release
				return nil
			})
		}()
		<-held
		errs := make([]error, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, pair := range [][2]string{{"admin1", "a2"}, {"admin2", "a1"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = users.SetDisabled(ctx, pair[0], pair[1], true, "the other one")
			}()
		}
		close(start)
		time.Sleep(300 * time.Millisecond) // let both reach the held counter
		close(release)
		wg.Wait()
		if err := <-holderDone; err != nil {
			t.Fatal(err)
		}
		ok, refused := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case domain.ErrorCode(err) == domain.CodeConflict:
				refused++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 || refused != 1 {
			t.Fatalf("results %v: want one success and one conflict", errs)
		}
		var admins int
		err := db.InTx(ctx, func(tx domain.Tx) (err error) { admins, err = tx.CountAdminsWhoCanSignIn(fixedNow); return err })
		if err != nil || admins != 1 {
			t.Errorf("%d enabled administrators left, %v", admins, err)
		}
	})
}

// TestSignInFailuresAlwaysWrite: a refused sign-in writes one row whether
// the name is an account (its failure count), unknown, or locked (a bucket
// of signin_misses), so that its timing does not tell them apart.
func TestSignInFailuresAlwaysWrite(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		addUsers(t, db, user("u1", "ops", domain.RoleOperations))
		us := domain.NewUserService(db, nil, func() time.Time { return fixedNow }, func() string { return "id" })
		misses := func() int64 {
			t.Helper()
			n, err := db.SignInMisses(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		for i := range 3 {
			if err := us.SignInFailed(ctx, fmt.Sprintf("nobody-%d", i%2)); err != nil {
				t.Fatal(err)
			}
		}
		if got := misses(); got != 3 {
			t.Fatalf("after 3 unknown names: %d misses counted, want 3", got)
		}
		for range domain.MaxFailedSignIns {
			if err := us.SignInFailed(ctx, "ops"); err != nil {
				t.Fatal(err)
			}
		}
		u, err := db.GetUser(ctx, "u1")
		if err != nil || u.LockedUntil == nil || misses() != 3 {
			t.Fatalf("after %d failures: %+v, %v, %d misses; want locked, no miss counted", domain.MaxFailedSignIns, u, err, misses())
		}
		if err := us.SignInFailed(ctx, "ops"); err != nil {
			t.Fatal(err)
		}
		if got := misses(); got != 4 {
			t.Fatalf("a failure during the lock: %d misses, want 4 (written like an unknown name)", got)
		}
		if a, b := domain.SignInMissBucket("nobody-0"), domain.SignInMissBucket("nobody-0"); a != b || a < 0 || a >= domain.SignInMissBuckets {
			t.Fatalf("bucket %d, %d", a, b)
		}
	})
}
