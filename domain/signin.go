package domain

import (
	"context"
	"hash/fnv"
	"slices"
	"time"
)

// SignInAnswer is what a sign-in gets once its password is verified (or not).
type SignInAnswer int

const (
	// SignInAdmitted: the password opens an enabled, unlocked local account.
	SignInAdmitted SignInAnswer = iota
	// SignInWrong: the answer of a wrong password, given alike to a
	// disabled, locked or external account, so the caller learns nothing more.
	SignInWrong
	// SignInExpired: the right one-time password, past its expiry, of an
	// account that would otherwise be admitted. Only someone who knows the
	// password gets this answer; it tells them to ask for a new one.
	SignInExpired
)

// JudgeSignIn answers a sign-in at t to u with a password that verified
// (passwordOK) or not. The order matters: every reason to answer "wrong" is
// weighed before the expiry, so that "expired" says nothing to someone who
// does not know the password, nor about a disabled or locked account.
func JudgeSignIn(u *User, passwordOK bool, t time.Time) SignInAnswer {
	switch {
	case !passwordOK || u.Disabled() || u.Locked(t) || u.External:
		return SignInWrong
	case u.OneTimePasswordExpired(t):
		return SignInExpired
	}
	return SignInAdmitted
}

// ErrOneTimePasswordExpired is the answer to SignInExpired, and to an
// expired one-time password given as the old password of a change.
var ErrOneTimePasswordExpired = Errorf(CodeUnauthorized,
	"the one-time password has expired; ask an administrator for a new one")

// ErrNoKnownRole is the answer to the right password of an account that
// holds no role this server knows: its only roles are roles of the routing
// policy that the policy loaded now no longer names (KnownRoles). A token
// or session without a role would be refused on every call; the sign-in
// says why instead. Only someone who knows the password gets it.
var ErrNoKnownRole = Errorf(CodeForbidden,
	"your account holds no role this server knows (the routing policy in force no longer names its roles); ask an administrator to give it one")

// SignInMissBuckets is how many counters refused sign-ins of unknown names
// share: a fixed number, so that trying names cannot grow the table.
const SignInMissBuckets = 1024

// SignInMissBucket is the counter of an unknown name's refused sign-ins.
func SignInMissBucket(username string) int {
	h := fnv.New32a()
	h.Write([]byte(username))
	return int(h.Sum32() % SignInMissBuckets)
}

// SignInFailed counts a refused sign-in against the account named username.
// The MaxFailedSignIns-th failure in a row locks the account for
// LockDuration and is audited. Failures during a lock do not extend it. An
// unknown name, and a failure during a lock, is counted in its bucket
// instead (CountSignInMiss): the same read and one row write, so that the
// time of the answer does not tell whether the name is an account.
func (s *UserService) SignInFailed(ctx context.Context, username string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		u, err := tx.GetUserByUsername(username, true)
		if ErrorCode(err) == CodeNotFound {
			return tx.CountSignInMiss(SignInMissBucket(username), s.clock())
		}
		if err != nil {
			return err
		}
		now := s.clock()
		if u.Locked(now) {
			// Not counted on the account (a lock is not extended), but
			// written like an unknown name's, which it must resemble.
			return tx.CountSignInMiss(SignInMissBucket(username), now)
		}
		u.FailedSignIns++
		if u.FailedSignIns < MaxFailedSignIns {
			return tx.UpdateUser(u, u.Version)
		}
		until := now.Add(LockDuration)
		u.FailedSignIns, u.LockedUntil = 0, &until
		if err := tx.UpdateUser(u, u.Version); err != nil {
			return err
		}
		d := UserLockedData{UserData: userData(u, ""), FailedSignIns: MaxFailedSignIns, LockedUntil: until.Format(time.RFC3339)}
		return tx.AppendAudit(auditEntry(AuditEntry{At: now, Actor: SystemActor}, AuditUserLocked, d))
	})
}

// SignInSucceeded clears the failure count of u, when there is one.
func (s *UserService) SignInSucceeded(ctx context.Context, u *User) error {
	if u.FailedSignIns == 0 && u.LockedUntil == nil {
		return nil
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.GetUserByUsername(u.Username, true)
		if err != nil {
			return err
		}
		cur.FailedSignIns, cur.LockedUntil = 0, nil
		return tx.UpdateUser(cur, cur.Version)
	})
}

// ClaimsVerdict is what a token of the identity provider means for the
// account of its subject (JudgeClaims).
type ClaimsVerdict int

const (
	// ClaimsHeld: the account holds the token's roles and nation and has
	// seen a token at least as new. Nothing to record.
	ClaimsHeld ClaimsVerdict = iota
	// ClaimsNewer: the account holds the token's roles and nation; the
	// token is newer than its mark, which moves on to the token's iat.
	ClaimsNewer
	// ClaimsChanged: the token asserts other roles or another nation and is
	// newer than the mark: the account takes them (audited).
	ClaimsChanged
	// ClaimsStale: the token asserts other roles or another nation but was
	// not issued after the mark: the provider has said otherwise since (or
	// in the same second). The token is refused (ErrClaimsStale).
	ClaimsStale
)

// JudgeClaims compares the claims of p, a principal of the identity
// provider, with an external account holding roles (sorted) and nation,
// whose mark is the iat of the newest token it has agreed with
// (User.ClaimsIssuedAt; zero when none is known). The account follows the
// newest token the server has seen, whichever process saw it: a claim set
// seen before (a move back) counts as much as a new one, and an older token
// never undoes a newer one. Tokens of one second with different claims
// cannot be ordered; the first one seen stands.
func JudgeClaims(roles []Role, nation string, mark time.Time, p Principal) ClaimsVerdict {
	asserted := slices.Clone(p.Roles)
	slices.Sort(asserted)
	newer := p.IssuedAt.After(mark)
	switch same := slices.Equal(roles, asserted) && nation == p.Nation; {
	case same && newer:
		return ClaimsNewer
	case same:
		return ClaimsHeld
	case newer:
		return ClaimsChanged
	}
	return ClaimsStale
}

// ErrClaimsStale refuses a token of the identity provider that asserts other
// roles or another nation than its account holds, and was issued before the
// token the account took them from.
var ErrClaimsStale = Errorf(CodeUnauthorized,
	"the token predates the account's latest change by the identity provider (other roles or another nation); sign in again")

// EnsureExternal gives a subject of the identity provider its account row
// on first sign-in (so that it can be disabled and receive delegations),
// and records the roles and nation the provider asserts, as JudgeClaims
// rules: a newer token's claims are taken (audited), an older token's
// other claims are refused with ErrClaimsStale, and a newer token with the
// same claims moves the account's mark on (not audited: nothing an
// administrator sees changes, and the version stays). A token issued no
// later than the second an administrator last disabled or enabled the
// account (TokenEnded) is refused, and nothing of it recorded. Called on every
// request whose token the account's copy (AccountCache) does not hold; the
// transaction decides on the row itself.
func (s *UserService) EnsureExternal(ctx context.Context, p Principal) error {
	roles := slices.Clone(p.Roles)
	slices.Sort(roles)
	var err error
	for range 3 { // a concurrent first sign-in or change of the same subject: read it and judge again
		err = s.store.InTx(ctx, func(tx Tx) error { return s.ensureExternal(tx, p, roles) })
		if c := ErrorCode(err); c != CodeConflict && c != CodePreconditionFailed {
			return err
		}
	}
	return err
}

func (s *UserService) ensureExternal(tx Tx, p Principal, roles []Role) error {
	u, err := tx.GetUserByUsername(p.Subject, true)
	now := s.clock()
	switch {
	case ErrorCode(err) == CodeNotFound:
		nu := User{ID: s.newID(), Username: p.Subject, Roles: roles, Nation: p.Nation, External: true,
			CreatedAt: now, UpdatedAt: now, Generation: 1, Version: 1, ClaimsIssuedAt: p.IssuedAt}
		if err := tx.CreateUser(&nu); err != nil {
			return err
		}
		return tx.AppendAudit(auditEntry(AuditEntry{At: now, Actor: SystemActor}, AuditUserCreated,
			passwordSetData(&nu, "first sign-in through the identity provider")))
	case err != nil:
		return err
	case !u.External:
		return nil
	case TokenEnded(p.IssuedAt, u.TokensEndedAt):
		return errRevoked // nothing from a token an administrator ended is recorded
	}
	switch JudgeClaims(u.Roles, u.Nation, u.ClaimsIssuedAt, p) {
	case ClaimsHeld:
		return nil
	case ClaimsStale:
		return ErrClaimsStale
	case ClaimsNewer:
		u.ClaimsIssuedAt = p.IssuedAt
		return tx.UpdateUser(u, u.Version)
	}
	prior := *u
	u.Roles, u.Nation, u.ClaimsIssuedAt, u.Version, u.UpdatedAt = roles, p.Nation, p.IssuedAt, u.Version+1, now
	if err := tx.UpdateUser(u, prior.Version); err != nil {
		return err
	}
	if err := withdrawIfAccessChanged(tx, &prior, u, now); err != nil {
		return err
	}
	return tx.AppendAudit(auditEntry(AuditEntry{At: now, Actor: SystemActor}, AuditUserUpdated,
		userData(u, "roles or nation asserted by the identity provider changed")))
}

// OldPasswordLocked refuses a password change while u is locked by failed
// sign-ins or wrong old passwords: the old password is then not checked at
// all, as a sign-in's is not, so that a stolen token cannot go on guessing
// through the password change past the lock (nil when u is not locked).
func (s *UserService) OldPasswordLocked(u *User) error {
	if !u.Locked(s.clock()) {
		return nil
	}
	until := u.LockedUntil.UTC().Format("2006-01-02 15:04 UTC")
	return &Error{Code: CodeInvalid, Message: "the account is locked after too many wrong passwords",
		Fields: []FieldError{{Field: "old_password", Message: "cannot be checked while the account is locked after too many wrong passwords; try again after " + until}}}
}
