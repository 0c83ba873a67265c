package web

import (
	"fmt"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// namedFramework is the framework agreement r names as its page shows it
// to p: its name and reference, marked as the request form marks it
// (frameworkLabel); "" when r names none. One deleted since is "No longer
// available" to everyone. One now another nation's than the request's is
// "No longer available" too to a liaison officer, the same as a deleted
// one: nothing of where it went (domain.FrameworkUnavailableWarning); an
// approver or the auditor, who may read every agreement, is shown it as
// it is now, marked with the nation it moved to.
func (c *Console) namedFramework(ec echo.Context, p domain.Principal, r *domain.Request) (string, error) {
	if r.FrameworkID == "" {
		return "", nil
	}
	f, err := c.Frameworks.Get(ec.Request().Context(), p, r.FrameworkID)
	if domain.ErrorCode(err) == domain.CodeNotFound || err == nil && f.Nation != r.Nation && p.IsLiaison() {
		return msg("req.fwgone"), nil
	}
	if err != nil {
		return "", err
	}
	label := frameworkLabel(f, c.Now())
	if f.Nation != r.Nation {
		label += " " + fmt.Sprintf(msg("fw.movedmark"), c.nationName(f.Nation))
	}
	return label, nil
}
