package domain

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fakeAccounts is an AccountSource over a map, counting its reads.
type fakeAccounts struct {
	states      map[string]AccountState
	fails       bool
	loads, gets int
}

func (f *fakeAccounts) AccountStates(context.Context) (map[string]AccountState, error) {
	f.loads++
	if f.fails {
		return nil, errors.New("database down")
	}
	out := map[string]AccountState{}
	for k, v := range f.states {
		out[k] = v
	}
	return out, nil
}

func (f *fakeAccounts) AccountState(_ context.Context, name string) (AccountState, error) {
	f.gets++
	if st, ok := f.states[name]; ok {
		return st, nil
	}
	return AccountState{}, ErrNotFound("user")
}

func TestAccountCacheValid(t *testing.T) {
	src := &fakeAccounts{states: map[string]AccountState{
		"ops": {Generation: 2}, "gone": {Generation: 1, Disabled: true},
		"idp:kari": {Generation: 1, External: true}, "idp:left": {Generation: 1, External: true, Disabled: true}}}
	c := NewAccountCache(src)
	ctx := context.Background()
	for _, tc := range []struct {
		subject string
		gen     int64
		ok      bool
	}{
		{"ops", 2, true},
		{"ops", 1, false},          // issued before a change
		{"ops", 3, false},          // newer than the database knows: forged or from another database
		{"gone", 1, false},         // disabled
		{"nobody", 1, false},       // no such account
		{"idp:kari", 0, true},      // the identity provider's tokens carry no generation
		{"idp:left", 0, false},     // a disabled IdP account
		{"idp:stranger", 0, false}, // never signed in: no row
	} {
		err := c.Valid(ctx, tc.subject, tc.gen)
		if (err == nil) != tc.ok {
			t.Errorf("Valid(%s, %d) = %v, want ok=%v", tc.subject, tc.gen, err, tc.ok)
		}
		if err != nil && ErrorCode(err) != CodeUnauthorized {
			t.Errorf("Valid(%s, %d): code %s, want unauthorized", tc.subject, tc.gen, ErrorCode(err))
		}
	}
	if src.loads != 1 {
		t.Errorf("%d full loads within the maximum age, want 1", src.loads)
	}
}

// TestAccountCacheSeesChanges: a change made elsewhere is seen after the
// maximum age at the latest; a change made here (Forget) at once; a token
// newer than the copy makes it read the account afresh.
func TestAccountCacheSeesChanges(t *testing.T) {
	src := &fakeAccounts{states: map[string]AccountState{"ops": {Generation: 1}}}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	c := NewAccountCache(src)
	c.now = func() time.Time { return now }
	ctx := context.Background()
	if err := c.Valid(ctx, "ops", 1); err != nil {
		t.Fatal(err)
	}
	src.states["ops"] = AccountState{Generation: 2, Disabled: true}
	if err := c.Valid(ctx, "ops", 1); err != nil {
		t.Fatalf("within the maximum age the copy answers: %v", err)
	}
	now = now.Add(AccountMaxAge + time.Millisecond)
	if err := c.Valid(ctx, "ops", 1); err == nil {
		t.Fatal("a stale copy was trusted after the maximum age")
	}
	src.states["ops"] = AccountState{Generation: 3}
	if err := c.Valid(ctx, "ops", 3); err != nil {
		t.Fatalf("a token newer than the copy: %v", err)
	}
	src.states["ops"] = AccountState{Generation: 3, Disabled: true}
	c.Forget("ops")
	if err := c.Valid(ctx, "ops", 3); err == nil {
		t.Fatal("Forget did not make the copy read the account again")
	}
	src.fails = true
	now = now.Add(AccountMaxAge + time.Millisecond)
	if err := c.Valid(ctx, "ops", 3); err == nil || ErrorCode(err) == CodeUnauthorized {
		t.Fatalf("with the database down a stale copy must not answer: %v", err)
	}
}

// TestJudgeSignIn: every reason to answer "wrong" outranks an expired
// one-time password, so "expired" reaches only someone who knows it; the
// clock is given, and the expiry's instant itself is past it.
func TestJudgeSignIn(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	later, earlier := at.Add(time.Minute), at.Add(-time.Minute)
	otp := func(expires *time.Time) User {
		return User{MustChangePassword: true, OneTimePasswordExpiresAt: expires}
	}
	disabledOTP := otp(&earlier)
	disabledOTP.DisabledAt = &earlier
	lockedOTP := otp(&earlier)
	lockedOTP.LockedUntil = &later
	for _, tc := range []struct {
		name string
		u    User
		ok   bool
		want SignInAnswer
	}{
		{"right password", User{}, true, SignInAdmitted},
		{"wrong password", User{}, false, SignInWrong},
		{"disabled", User{DisabledAt: &at}, true, SignInWrong},
		{"locked", User{LockedUntil: &later}, true, SignInWrong},
		{"lock over", User{LockedUntil: &earlier}, true, SignInAdmitted},
		{"identity provider's account", User{External: true}, true, SignInWrong},
		{"one-time password in time", otp(&later), true, SignInAdmitted},
		{"one-time password expired", otp(&earlier), true, SignInExpired},
		{"one-time password at its expiry", otp(&at), true, SignInExpired},
		{"one-time password with no expiry recorded", otp(nil), true, SignInExpired},
		{"wrong password, one-time password expired", otp(&earlier), false, SignInWrong},
		{"disabled, one-time password expired", disabledOTP, true, SignInWrong},
		{"locked, one-time password expired", lockedOTP, true, SignInWrong},
		{"own password, a stale expiry left behind", User{OneTimePasswordExpiresAt: &earlier}, true, SignInAdmitted},
	} {
		if got := JudgeSignIn(&tc.u, tc.ok, at); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCheckReason(t *testing.T) {
	for _, tc := range []struct {
		reason   string
		required bool
		ok       bool
	}{
		{"", false, true}, {"", true, false}, {"left the unit", true, true},
		{string(make([]byte, 501)), false, false}, {"a\x00b", false, false},
	} {
		err := checkReason(tc.reason, tc.required)
		if (err == nil) != tc.ok {
			t.Errorf("checkReason(%q, %v) = %v", tc.reason, tc.required, err)
		}
	}
}
