package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// Cookie names. Over TLS the __Host- prefix makes the browser refuse a
// cookie that is not Secure, has a Domain, or a Path other than "/".
const (
	cookiePlain  = "exaccess_session"
	cookieSecure = "__Host-exaccess_session"
)

// secure reports whether the session cookie must be Secure for r.
func (c *Console) secure(r *http.Request) bool { return r.TLS != nil || c.SecureCookies }

func (c *Console) cookieName(r *http.Request) string {
	if c.secure(r) {
		return cookieSecure
	}
	return cookiePlain
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessionID is what the store keeps for a cookie's secret.
func sessionID(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// startSession stores a new session for u and sets its cookie.
func (c *Console) startSession(ec echo.Context, u *domain.User) error {
	secret, now := randomToken(), c.Now().UTC()
	s := domain.Session{ID: sessionID(secret), Username: u.Username, Generation: u.Generation, CSRF: randomToken(),
		CreatedAt: now, ExpiresAt: now.Add(c.SessionTTL)}
	if err := c.Sessions.CreateSession(ec.Request().Context(), s); err != nil {
		return err
	}
	ec.SetCookie(&http.Cookie{Name: c.cookieName(ec.Request()), Value: secret, Path: "/", HttpOnly: true,
		Secure: c.secure(ec.Request()), SameSite: http.SameSiteLaxMode, MaxAge: int(c.SessionTTL.Seconds())})
	return nil
}

// endSession deletes the session (if any) and clears its cookie.
func (c *Console) endSession(ec echo.Context) error {
	ck, err := ec.Cookie(c.cookieName(ec.Request()))
	if err != nil || ck.Value == "" {
		return nil
	}
	if err := c.Sessions.DeleteSession(ec.Request().Context(), sessionID(ck.Value)); err != nil {
		return err
	}
	ec.SetCookie(&http.Cookie{Name: c.cookieName(ec.Request()), Value: "", Path: "/", HttpOnly: true,
		Secure: c.secure(ec.Request()), SameSite: http.SameSiteLaxMode, MaxAge: -1})
	return nil
}

// current is the signed-in caller of one request.
type current struct {
	Session   *domain.Session
	User      *domain.User
	Principal domain.Principal
}

// loadSession returns the caller of ec, or nil when nobody is signed in:
// no cookie, an unknown or expired session, or an account that no longer
// passes sessionUser.
func (c *Console) loadSession(ec echo.Context) (*current, error) {
	ck, err := ec.Cookie(c.cookieName(ec.Request()))
	if err != nil || ck.Value == "" {
		return nil, nil
	}
	ctx := ec.Request().Context()
	s, err := c.Sessions.GetSession(ctx, sessionID(ck.Value))
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound:
		return nil, nil
	case err != nil:
		return nil, err
	case !c.Now().Before(s.ExpiresAt):
		return nil, c.Sessions.DeleteSession(ctx, s.ID)
	}
	u, err := c.sessionUser(ctx, s)
	if err != nil || u == nil {
		if err == nil {
			err = c.Sessions.DeleteSession(ctx, s.ID)
		}
		return nil, err
	}
	// The roles the account holds that are known now, as a token carries
	// them (auth.Tokens.Issue): a role the routing policy in force no longer
	// names grants nothing.
	return &current{Session: s, User: u, Principal: domain.Principal{Subject: u.Username, Roles: domain.KnownRoles(u.Roles), Nation: u.Nation,
		Generation: u.Generation, MustChangePassword: u.MustChangePassword}}, nil
}

// sessionUser is the ONE check of a session's account, run on every request.
// It asks the API's own check (domain.PrincipalCheck) whether the account
// still exists, is enabled and is at the session's generation: a disabled
// account, a reset or changed password or changed roles end the session
// (nil), within the check's revocation bound. It then loads the account
// afresh for its roles and nation; one that holds no role known now (the
// policy in force dropped its only roles) ends the session too.
func (c *Console) sessionUser(ctx context.Context, s *domain.Session) (*domain.User, error) {
	err := c.Principals.Valid(ctx, s.Username, s.Generation)
	switch {
	case domain.ErrorCode(err) == domain.CodeUnauthorized:
		return nil, nil
	case err != nil:
		return nil, err
	}
	u, err := c.Users.GetUserByUsername(ctx, s.Username)
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound:
		return nil, nil
	case err != nil:
		return nil, err
	}
	if u.Disabled() || u.Generation != s.Generation || u.CreatedAt.After(s.CreatedAt) { // changed meanwhile, or the name was given to a new account
		return nil, nil
	}
	if len(domain.KnownRoles(u.Roles)) == 0 { // the policy in force dropped its only roles: sign-in says so (domain.ErrNoKnownRole)
		return nil, nil
	}
	return u, nil
}

// validCSRF compares a form's token with the session's in constant time.
func validCSRF(s *domain.Session, token string) bool {
	return s != nil && token != "" && subtle.ConstantTimeCompare([]byte(s.CSRF), []byte(token)) == 1
}
