package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"exaccess/api/auth"
	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

type signInView struct {
	Username, Next, Error, Notice string
}

// handleHome is the start page; signed out, it is the sign-in page.
func (c *Console) handleHome(ec echo.Context) error {
	if currentOf(ec) == nil {
		return c.render(ec, http.StatusOK, "signin", msg("signin.title"), signInView{Next: "/"})
	}
	var notice string
	if ec.QueryParam("password") == "1" {
		notice = msg("pw.done")
	}
	return c.render(ec, http.StatusOK, "home", msg("home.title"), notice)
}

func (c *Console) handleSignInPage(ec echo.Context) error {
	v := signInView{Next: safeNext(ec.QueryParam("next"))}
	switch {
	case ec.QueryParam("out") == "1":
		v.Notice = msg("signout.done")
	case ec.QueryParam("ended") == "1":
		v.Notice = msg("signin.ended")
	}
	return c.render(ec, http.StatusOK, "signin", msg("signin.title"), v)
}

// handleSignIn checks the password as the API does (a wrong username and a
// wrong password answer alike) and starts a session. The right one-time
// password past its expiry is told so, to ask an administrator for a new one,
// and the right password of an account that holds no role this server
// knows (the policy dropped its roles) to ask an administrator for one.
func (c *Console) handleSignIn(ec echo.Context) error {
	// From the body only, as the rate limit in front reads them
	// (api.RateLimiter): a username in the query would dodge its count.
	r := ec.Request() // its form was read by guard (readForm)
	username, password := auth.SignInName(r.PostFormValue("username")), r.PostFormValue("password")
	v := signInView{Username: username, Next: safeNext(ec.FormValue("next"))}
	if username == "" || password == "" {
		v.Error = msg("signin.required")
		return c.render(ec, http.StatusUnprocessableEntity, "signin", msg("signin.title"), v)
	}
	u, err := c.signIn(ec.Request().Context(), username, password)
	if errors.Is(err, domain.ErrOneTimePasswordExpired) {
		v.Error = msg("signin.expired")
		return c.render(ec, http.StatusUnauthorized, "signin", msg("signin.title"), v)
	}
	if errors.Is(err, domain.ErrNoKnownRole) {
		v.Error = msg("signin.noroles")
		return c.render(ec, http.StatusForbidden, "signin", msg("signin.title"), v)
	}
	if err != nil {
		return err
	}
	if u == nil {
		v.Error = msg("signin.wrong")
		return c.render(ec, http.StatusUnauthorized, "signin", msg("signin.title"), v)
	}
	_ = c.endSession(ec) // a fresh session id on every sign-in: no fixation
	if err := c.startSession(ec, u); err != nil {
		return err
	}
	if u.MustChangePassword {
		return ec.Redirect(http.StatusSeeOther, pathPassword)
	}
	return ec.Redirect(http.StatusSeeOther, v.Next)
}

// signIn checks a username and password as POST /api/v1/auth/token does
// (auth.SignIn). A nil error and nil user is "refused".
func (c *Console) signIn(ctx context.Context, username, password string) (*domain.User, error) {
	return auth.SignIn(ctx, c.Users, c.Accounts, c.Now(), username, password)
}

func (c *Console) handleSignOut(ec echo.Context) error {
	if err := c.endSession(ec); err != nil {
		return err
	}
	return ec.Redirect(http.StatusSeeOther, "/sign-in?out=1")
}

// safeNext keeps a return address on this site: a local path such as
// "/requests?status=draft", or "/" for anything else (localPath).
func safeNext(next string) string {
	if !localPath(next) {
		return "/"
	}
	return next
}

// localPath reports whether s is a path of this site and nothing a browser
// could read as another. Browsers drop tabs and line breaks inside a URL and
// read a backslash as a slash, so "/\t/evil" and "/\\evil" are "//evil",
// another host: s must be printable ASCII without a backslash (a control, a
// space or any other character has no place in a path the console wrote).
// It must be a path to url.Parse (no scheme, host or user), start with one
// slash and hold no empty segment ("/.//evil" is the path "//evil" once dot
// segments are removed); so must its path decoded, which a proxy or a later
// redirect may use ("/%2F/evil", "/%5Cevil", "/%09/evil").
func localPath(s string) bool {
	if !printable(s) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	return singleSlashed(u.EscapedPath()) && singleSlashed(u.Path)
}

func singleSlashed(path string) bool {
	return strings.HasPrefix(path, "/") && !strings.Contains(path, "//") && printable(path)
}

// printable reports whether s is visible ASCII without a backslash.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b <= ' ' || b >= 0x7f || b == '\\' {
			return false
		}
	}
	return true
}
