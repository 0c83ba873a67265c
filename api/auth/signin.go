package auth

import (
	"context"
	"strings"
	"time"

	"exaccess/domain"
)

// UserLookup finds an account by its username.
type UserLookup interface {
	GetUserByUsername(ctx context.Context, username string) (*domain.User, error)
}

// SignIn checks a username and password, for the API's tokens and the
// console's sessions alike. An unknown name, a wrong password, a disabled,
// a locked and an identity provider's account all answer (nil, nil) after
// the same work: one password verification and one counted failure
// (accounts may be nil, in tests without account bookkeeping). A user is
// returned only when the password opens an enabled local account; its
// failure count is then cleared. The right one-time password of such an
// account past its expiry answers domain.ErrOneTimePasswordExpired, after
// the same counted failure: it is a refused sign-in like the others, and
// only someone who knows the password gets to see it (domain.JudgeSignIn).
// The right password of an account that holds no role this server knows
// (the policy dropped its only roles) answers domain.ErrNoKnownRole, its
// failure count cleared: a token or session of no role would be refused on
// every call.
// The verification waits for a free Argon2id slot (argonSlots) no longer
// than ctx lives: a request that ends first answers ctx's error, and
// nothing is counted.
func SignIn(ctx context.Context, users UserLookup, accounts *domain.UserService, now time.Time, username, password string) (*domain.User, error) {
	failed := func() error {
		if accounts == nil {
			return nil
		}
		return accounts.SignInFailed(ctx, username)
	}
	u, err := users.GetUserByUsername(ctx, username)
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound:
		if _, err := burnVerifyContext(ctx, password); err != nil {
			return nil, err
		}
		return nil, failed()
	case err != nil:
		return nil, err
	}
	var ok bool
	if u.PasswordHash == "" { // an account of the identity provider
		ok, err = burnVerifyContext(ctx, password)
	} else {
		ok, err = VerifyPasswordContext(ctx, u.PasswordHash, password)
	}
	if err != nil { // the request ended while it waited for a slot (argonSlots)
		return nil, err
	}
	switch domain.JudgeSignIn(u, ok, now) {
	case domain.SignInWrong:
		return nil, failed()
	case domain.SignInExpired:
		if err := failed(); err != nil {
			return nil, err
		}
		return nil, domain.ErrOneTimePasswordExpired
	}
	if accounts != nil {
		if err := accounts.SignInSucceeded(ctx, u); err != nil {
			return nil, err
		}
	}
	if len(domain.KnownRoles(u.Roles)) == 0 {
		return nil, domain.ErrNoKnownRole
	}
	return u, nil
}

// SignInName is the username a sign-in names: the field without the white
// space around it (strings.TrimSpace), as people type and paste it. The
// console and POST /api/v1/auth/token sign in with it, and the sign-in rate
// limit counts attempts by it, so that " ops2" and "ops2 " are one username
// to all three. Letter case is kept: usernames are lower case and looked up
// exactly.
func SignInName(field string) string {
	return strings.TrimSpace(field)
}

// CheckOldPassword checks the old password of a password change for u, the
// signed-in account: refused without a look while the account is locked
// (UserService.OldPasswordLocked), and a wrong one counted like a failed
// sign-in, so that a stolen token is no way to guess the password. A
// refusal is a domain error on the field old_password; any other error is
// the database's. A one-time password that expired since the sign-in it
// opened is refused too, and counted, as sign-in would refuse it now.
func CheckOldPassword(ctx context.Context, accounts *domain.UserService, u *domain.User, old string) error {
	if err := accounts.OldPasswordLocked(u); err != nil {
		return err
	}
	ok, err := VerifyPasswordContext(ctx, u.PasswordHash, old)
	if err != nil {
		return err
	}
	if ok && !u.OneTimePasswordExpired(accounts.Now()) {
		return nil
	}
	if err := accounts.SignInFailed(ctx, u.Username); err != nil {
		return err
	}
	if ok {
		return &domain.Error{Code: domain.CodeInvalid, Message: "the one-time password has expired",
			Fields: []domain.FieldError{{Field: "old_password", Message: "has expired; ask an administrator for a new one-time password"}}}
	}
	return &domain.Error{Code: domain.CodeInvalid, Message: "the old password is wrong",
		Fields: []domain.FieldError{{Field: "old_password", Message: "is not your current password"}}}
}
