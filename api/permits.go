package api

import (
	"errors"
	"net/http"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// errNoPermits is a wiring mistake: a server built without Deps.Permits.
var errNoPermits = errors.New("api: no permit signer configured")

// handlePermit serves the signed permit of an approved request.
func (s *Server) handlePermit(c echo.Context) error {
	r, err := s.Requests.GetRequest(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	if s.Permits == nil {
		return errNoPermits
	}
	permit, err := s.Permits.Permit(c.Request().Context(), r)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Content-Disposition", `attachment; filename="permit-`+r.Reference+`.txt"`)
	return c.Blob(http.StatusOK, echo.MIMETextPlainCharsetUTF8, []byte(permit))
}

type permitStatusJSON struct {
	Status domain.PermitState `json:"status"`
}

// handlePermitStatus answers valid, revoked or expired to whoever gives the
// permit's check value (?check=, from its status_path); without it, or with
// a wrong one, the answer is the "permit not found" of an unknown reference.
func (s *Server) handlePermitStatus(c echo.Context) error {
	if s.Permits == nil {
		return errNoPermits
	}
	st, err := s.Permits.PermitStatus(c.Request().Context(), c.Param("reference"), c.QueryParam("check"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, permitStatusJSON{Status: st})
}
