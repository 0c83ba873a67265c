package domain

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestJudgeClaims: an external account follows the newest token of the
// identity provider it has seen. A token with other claims is taken when it
// is newer than the account's mark and refused when it is not (the same
// second included: the first one seen stands); a token with the same claims
// moves the mark on when newer, and is otherwise nothing to record. Roles
// are compared as sets; a zero mark (an account from before the upgrade)
// is older than any token.
func TestJudgeClaims(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	earlier, later := at.Add(-time.Minute), at.Add(time.Minute)
	liaison := func(nation string, iat time.Time) Principal {
		return Principal{Subject: "idp:kari", Roles: []Role{RoleLiaison}, Nation: nation, External: true, IssuedAt: iat}
	}
	approver := func(iat time.Time, roles ...Role) Principal {
		return Principal{Subject: "idp:anna", Roles: roles, External: true, IssuedAt: iat}
	}
	no := []Role{RoleLiaison}
	both := []Role{RoleHNS, RoleRange} // stored sorted
	for _, c := range []struct {
		name   string
		roles  []Role
		nation string
		mark   time.Time
		token  Principal
		want   ClaimsVerdict
	}{
		{"same claims, same token", no, "NO", at, liaison("NO", at), ClaimsHeld},
		{"same claims, older token", no, "NO", at, liaison("NO", earlier), ClaimsHeld},
		{"same claims, newer token", no, "NO", at, liaison("NO", later), ClaimsNewer},
		{"another nation, newer token", no, "NO", at, liaison("DE", later), ClaimsChanged},
		{"another nation, older token", no, "NO", at, liaison("DE", earlier), ClaimsStale},
		{"another nation, same second", no, "NO", at, liaison("DE", at), ClaimsStale},
		{"another nation, no mark yet", no, "NO", time.Time{}, liaison("DE", earlier), ClaimsChanged},
		{"same claims, no mark yet", no, "NO", time.Time{}, liaison("NO", earlier), ClaimsNewer},
		{"roles in another order", both, "", at, approver(at, RoleRange, RoleHNS), ClaimsHeld},
		{"a role fewer, newer", both, "", at, approver(later, RoleRange), ClaimsChanged},
		{"a role more, older", both, "", at, approver(earlier, RoleRange, RoleHNS, RoleOperations), ClaimsStale},
		{"liaison becomes approver, newer", no, "NO", at, approver(later, RoleHNS), ClaimsChanged},
	} {
		if got := JudgeClaims(c.roles, c.nation, c.mark, c.token); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		st := AccountState{External: true, Claims: &HeldClaims{Roles: c.roles, Nation: c.nation, IssuedAt: c.mark}}
		if held := st.Holds(c.token); held != (c.want == ClaimsHeld) {
			t.Errorf("%s: AccountState.Holds %v", c.name, held)
		}
	}
	if (AccountState{External: true}).Holds(Principal{Roles: []Role{RoleAuditor}}) {
		t.Error("an account without claims holds a token's")
	}
}

// GetUserByUsername reads the one account, when there is one.
func (s *editTx) GetUserByUsername(string, bool) (*User, error) {
	if s.user.ID == "" {
		return nil, Errorf(CodeNotFound, "no user")
	}
	return s.GetUser(s.user.ID)
}

// TestEnsureExternal: what EnsureExternal stores, audits and answers for
// each verdict of JudgeClaims, on the account's row.
func TestEnsureExternal(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	mark := now.Add(-time.Hour)
	kari := User{ID: "u1", Username: "idp:kari", Roles: []Role{RoleLiaison}, Nation: "NO", External: true,
		Generation: 1, Version: 3, ClaimsIssuedAt: mark}
	// An administrator disabled and enabled kari, half an hour after her
	// mark: no token of the provider from then or before is recorded.
	endedAt := mark.Add(30*time.Minute + 500*time.Millisecond)
	ended := kari
	ended.Generation, ended.TokensEndedAt = 2, endedAt
	token := func(nation string, iat time.Time) Principal {
		return Principal{Subject: "idp:kari", Roles: []Role{RoleLiaison}, Nation: nation, External: true, IssuedAt: iat}
	}
	for _, c := range []struct {
		name       string
		account    User // ID "": none yet
		token      Principal
		code       string
		writes     []string
		audited    []string
		nation     string
		mark       time.Time
		version    int
		generation int64
	}{
		{"first sign-in", User{}, token("NO", mark), "", []string{"create"}, []string{AuditUserCreated}, "", time.Time{}, 0, 0},
		{"held", kari, token("NO", mark.Add(-time.Minute)), "", nil, nil, "NO", mark, 3, 1},
		{"newer, same claims", kari, token("NO", now), "", []string{"user"}, nil, "NO", now, 3, 1},
		{"newer, moved", kari, token("DE", now), "", []string{"user", "withdraw"}, []string{AuditUserUpdated}, "DE", now, 4, 1},
		{"older, moved", kari, token("DE", mark.Add(-time.Minute)), CodeUnauthorized, nil, nil, "NO", mark, 3, 1},
		{"same second, moved", kari, token("DE", mark), CodeUnauthorized, nil, nil, "NO", mark, 3, 1},
		{"ended, the end's second", ended, token("NO", endedAt.Truncate(time.Second)), CodeUnauthorized, nil, nil, "NO", mark, 3, 2},
		{"ended, before, same claims", ended, token("NO", endedAt.Add(-time.Minute)), CodeUnauthorized, nil, nil, "NO", mark, 3, 2},
		{"ended, before, moved", ended, token("DE", endedAt.Add(-time.Minute)), CodeUnauthorized, nil, nil, "NO", mark, 3, 2},
		{"after the end, moved", ended, token("DE", endedAt.Truncate(time.Second).Add(time.Second)), "", []string{"user", "withdraw"}, []string{AuditUserUpdated}, "DE", endedAt.Truncate(time.Second).Add(time.Second), 4, 2},
	} {
		s := &editTx{user: c.account}
		us := NewUserService(&editStore{tx: s}, nil, func() time.Time { return now }, func() string { return "u1" })
		err := us.EnsureExternal(context.Background(), c.token)
		code := ""
		if err != nil {
			code = ErrorCode(err)
		}
		if code != c.code {
			t.Errorf("%s: %v, want code %q", c.name, err, c.code)
		}
		if !slices.Equal(s.writes, c.writes) || !slices.Equal(s.audited, c.audited) {
			t.Errorf("%s: writes %v, audited %v; want %v, %v", c.name, s.writes, s.audited, c.writes, c.audited)
		}
		if c.account.ID == "" {
			continue
		}
		if u := s.user; u.Nation != c.nation || !u.ClaimsIssuedAt.Equal(c.mark) || u.Version != c.version || u.Generation != c.generation {
			t.Errorf("%s: account %s, mark %v, version %d, generation %d; want %s, %v, %d, %d",
				c.name, u.Nation, u.ClaimsIssuedAt, u.Version, u.Generation, c.nation, c.mark, c.version, c.generation)
		}
	}
}
