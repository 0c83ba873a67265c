package web

import (
	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// namedFramework is the framework agreement r names as its page shows it
// to p: its name and reference, marked as the request form marks it
// (frameworkLabel); "" when r names none. One deleted since, or now
// another nation's than the request's, is "No longer available", the
// same either way and to everyone: nothing of where it went
// (domain.FrameworkUnavailableWarning).
func (c *Console) namedFramework(ec echo.Context, p domain.Principal, r *domain.Request) (string, error) {
	if r.FrameworkID == "" {
		return "", nil
	}
	f, err := c.Frameworks.Get(ec.Request().Context(), p, r.FrameworkID)
	if domain.ErrorCode(err) == domain.CodeNotFound || err == nil && f.Nation != r.Nation {
		return msg("req.fwgone"), nil
	}
	if err != nil {
		return "", err
	}
	return frameworkLabel(f, c.Now()), nil
}
