package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// passwordFlash prefixes a one-time password in the session's flash,
// followed by the account's id, what was done ("created" or "reset") and
// the password.
const passwordFlash = "one-time-password:"

// showOnce sends to the account's page (POST-redirect-GET: a reload there
// neither creates the account again nor issues another password), which
// shows the one-time password once: it waits in the session's
// server-side flash, as a new webhook's secret does, never in the URL.
func (c *Console) showOnce(ec echo.Context, id, done, otp string) error {
	if err := c.Sessions.SetSessionFlash(ec.Request().Context(), currentOf(ec).Session.ID, passwordFlash+id+":"+done+":"+otp); err != nil {
		return err
	}
	return ec.Redirect(http.StatusSeeOther, "/admin/users/"+id+"?"+done+"=1")
}

// takeOnce is the one-time password showOnce left for account id, with
// its notice, taken from the flash so that it is shown once; "" when none
// waits (a reload). Only the page showOnce sends to asks.
func (c *Console) takeOnce(ec echo.Context, id string) (otp, notice string, err error) {
	done := map[string]string{"created": "users.createdmsg", "reset": "users.resetmsg"}
	var asked string
	for d := range done {
		if ec.QueryParam(d) == "1" {
			asked = d
		}
	}
	if asked == "" {
		return "", "", nil
	}
	otp, err = c.takeFlash(ec, passwordFlash+id+":"+asked+":")
	if err != nil || otp == "" {
		return "", "", err
	}
	return otp, msg(done[asked]), nil
}

// takeFlash takes the session's flash when it starts with prefix and
// returns the rest; "" when none waits. The flash is one slot shared by the
// pages that show something once (a one-time password, a webhook's
// secret): a page visited meanwhile must not throw away another's, so the
// store takes it only when it is this page's, in one step, and otherwise
// leaves it untouched — never taken and put back, which would overwrite a
// flash another tab set in between.
func (c *Console) takeFlash(ec echo.Context, prefix string) (string, error) {
	return c.Sessions.TakeSessionFlash(ec.Request().Context(), currentOf(ec).Session.ID, prefix)
}
