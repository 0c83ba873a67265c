package web

import (
	"net/http"

	"exaccess/api/auth"
	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// pathPassword is the "choose a new password" page: the only page (with
// sign-out) of a user signed in with a one-time password.
const pathPassword = "/account/password"

// passwordView is the data of the password page.
type passwordView struct {
	Forced bool // signed in with a one-time password
	Errors []fieldErr
}

// E is the error of one field.
func (v passwordView) E(field string) string {
	for _, e := range v.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// labels are the page's: the old password of a forced change is the
// one-time password.
func (v passwordView) labels() labels {
	if v.Forced {
		return otpLabels
	}
	return passwordLabels
}

func (c *Console) handlePasswordPage(ec echo.Context) error {
	return c.render(ec, http.StatusOK, "password", msg("pw.title"), passwordView{Forced: currentOf(ec).User.MustChangePassword})
}

// handlePasswordChange applies the rules of POST /api/v1/me/password, and
// the page's own: the new password typed twice, alike (else nothing is
// checked against the account or changed). The
// old password is proven (a wrong one counts as a failed sign-in), the new
// one passes auth.PasswordProblem and differs from the old. The account's
// generation moves on, which ends every other session; this one is renewed.
func (c *Console) handlePasswordChange(ec echo.Context) error {
	cur := currentOf(ec)
	ctx := ec.Request().Context()
	v := passwordView{Forced: cur.User.MustChangePassword}
	if cur.User.External {
		return domain.Errorf(domain.CodeConflict, "your password is kept by your identity provider, not here")
	}
	old, neu := ec.FormValue("old_password"), ec.FormValue("new_password")
	v.Errors = passwordErrors(old, neu, cur.User.Username, cur.User.Email)
	if ec.FormValue("repeat_password") != neu { // a typo would lock the user out: nothing changes
		v.Errors = append(v.Errors, fieldErr{Field: "repeat_password", Message: msg("pw.mismatch"), Anchor: fieldID("repeat_password")})
	}
	if len(v.Errors) == 0 {
		u, err := c.Users.GetUserByUsername(ctx, cur.User.Username)
		if err != nil {
			return err
		}
		err = auth.CheckOldPassword(ctx, c.Accounts, u, old)
		if err == nil {
			return c.changePassword(ec, cur, u.Version, neu)
		}
		if v.Errors = formErrs(err, "old_password", v.labels()); v.Errors == nil {
			return err // the database's
		}
	}
	v.Errors = v.labels().named(v.Errors) // the summary names the fields as the page does
	return c.render(ec, http.StatusUnprocessableEntity, "password", msg("pw.title"), v)
}

func (c *Console) changePassword(ec echo.Context, cur *current, version int, password string) error {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	changed, err := c.Accounts.ChangePassword(ec.Request().Context(), cur.Principal, version, hash)
	if err != nil {
		return err
	}
	c.Principals.Forget(changed.Username)
	if err := c.endSession(ec); err != nil {
		return err
	}
	if err := c.startSession(ec, changed); err != nil {
		return err
	}
	return ec.Redirect(http.StatusSeeOther, "/?password=1")
}

// passwordErrors are the API's field errors of a password change of the
// account with username and e-mail address email.
func passwordErrors(old, neu, username, email string) []fieldErr {
	var fe []fieldErr
	if old == "" {
		fe = append(fe, fieldErr{Field: "old_password", Message: msg("pw.oldrequired"), Anchor: fieldID("old_password")})
	}
	if p := auth.PasswordProblem(neu, username, email); p != "" {
		fe = append(fe, fieldErr{Field: "new_password", Message: p, Anchor: fieldID("new_password")})
	} else if neu == old {
		fe = append(fe, fieldErr{Field: "new_password", Message: msg("pw.same"), Anchor: fieldID("new_password")})
	}
	return fe
}
