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
// failure count is then cleared.
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
		BurnVerify(password)
		return nil, failed()
	case err != nil:
		return nil, err
	}
	var ok bool
	if u.PasswordHash == "" { // an account of the identity provider
		ok = BurnVerify(password)
	} else {
		ok = VerifyPassword(u.PasswordHash, password)
	}
	if domain.SignInRefused(u, ok, now) {
		return nil, failed()
	}
	if accounts != nil {
		if err := accounts.SignInSucceeded(ctx, u); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// SignInName is the username a sign-in form names: the field without the
// white space around it (strings.TrimSpace), as people type and paste it.
// The console signs in with it, and the sign-in rate limit counts attempts
// by it, so that " ops2" and "ops2 " are one username to both.
func SignInName(field string) string {
	return strings.TrimSpace(field)
}
