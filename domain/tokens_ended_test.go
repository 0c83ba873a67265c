package domain

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestTokenEnded: an iat counts whole seconds, so a token issued in the
// second of an administrator's change, before or after its instant, is
// ended with the ones before; one of the next second is not. No change
// (zero) ends none.
func TestTokenEnded(t *testing.T) {
	ended := time.Date(2026, 11, 23, 9, 0, 0, 900_000_000, time.UTC)
	second := ended.Truncate(time.Second)
	for _, c := range []struct {
		name       string
		iat, ended time.Time
		want       bool
	}{
		{"a minute before", second.Add(-time.Minute), ended, true},
		{"the same second", second, ended, true},
		{"the next second", second.Add(time.Second), ended, false},
		{"an hour later", second.Add(time.Hour), ended, false},
		{"never ended", second.Add(-time.Hour), time.Time{}, false},
	} {
		if got := TokenEnded(c.iat, c.ended); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestAccountCacheEndsExternalTokens: ValidPrincipal refuses a token of the
// identity provider issued no later than the second its account's tokens
// ended, and admits a newer one; a local account's tokens are judged by
// their generation alone.
func TestAccountCacheEndsExternalTokens(t *testing.T) {
	ended := time.Date(2026, 11, 23, 9, 0, 0, 500_000_000, time.UTC)
	src := &fakeAccounts{states: map[string]AccountState{
		"ops":      {Generation: 2},
		"idp:kari": {Generation: 3, External: true, TokensEndedAt: ended},
		"idp:anna": {Generation: 1, External: true}}}
	c := NewAccountCache(src)
	ctx := context.Background()
	idp := func(sub string, iat time.Time) Principal {
		return Principal{Subject: sub, Roles: []Role{RoleHNS}, External: true, IssuedAt: iat}
	}
	for _, tc := range []struct {
		name string
		p    Principal
		ok   bool
	}{
		{"before the end", idp("idp:kari", ended.Add(-time.Minute)), false},
		{"the end's second", idp("idp:kari", ended.Truncate(time.Second)), false},
		{"the next second", idp("idp:kari", ended.Truncate(time.Second).Add(time.Second)), true},
		{"never ended", idp("idp:anna", ended.Add(-time.Hour)), true},
		{"a local token", Principal{Subject: "ops", Generation: 2, IssuedAt: ended.Add(-time.Hour)}, true},
		{"a local token of an old generation", Principal{Subject: "ops", Generation: 1}, false},
	} {
		err := c.ValidPrincipal(ctx, tc.p)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && ErrorCode(err) != CodeUnauthorized {
			t.Errorf("%s: code %s, want unauthorized", tc.name, ErrorCode(err))
		}
	}
}

// TestSetDisabledEndsExternalTokens: disabling or enabling an account of the
// identity provider ends its tokens at that instant (User.TokensEndedAt), as
// the generation ends a local account's; a local account's stays zero.
func TestSetDisabledEndsExternalTokens(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 500_000_000, time.UTC)
	for _, external := range []bool{true, false} {
		name := map[bool]string{true: "idp:kari", false: "kari"}[external]
		s := &editTx{user: User{ID: "u1", Username: name, Roles: []Role{RoleLiaison}, Nation: "NO", External: external,
			Generation: 1, Version: 1}}
		clock := now
		us := NewUserService(&editStore{tx: s}, nil, func() time.Time { return clock }, func() string { return "u1" })
		for _, disable := range []bool{true, false} {
			if _, err := us.SetDisabled(context.Background(), "admin", "u1", disable, "token stolen"); err != nil {
				t.Fatalf("%s: disable %v: %v", name, disable, err)
			}
			want := time.Time{}
			if external {
				want = clock
			}
			if !s.user.TokensEndedAt.Equal(want) {
				t.Errorf("%s: after disable=%v TokensEndedAt %v, want %v", name, disable, s.user.TokensEndedAt, want)
			}
			clock = clock.Add(time.Minute)
		}
		if !slices.Contains(s.audited, AuditUserEnabled) {
			t.Errorf("%s: audited %v", name, s.audited)
		}
	}
}
