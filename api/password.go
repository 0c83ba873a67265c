package api

import (
	"exaccess/api/auth"
	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

type passwordChangeInput struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// handleMyPassword lets a user choose a new password, proving the old one.
// The account's generation moves on, so every older token (other devices,
// a stolen one) stops working; the answer carries a fresh token.
func (s *Server) handleMyPassword(c echo.Context) error {
	body, err := readBody(c, false)
	if err != nil {
		return err
	}
	var in passwordChangeInput
	if err := decodeStrict(body, &in, nil); err != nil {
		return err
	}
	ctx, p := c.Request().Context(), principal(c)
	if p.External {
		return domain.Errorf(domain.CodeConflict, "your password is kept by your identity provider, not here")
	}
	// The account first: its e-mail address is one of the words the new
	// password may not contain.
	u, err := s.Users.GetUserByUsername(ctx, p.Subject)
	if err != nil {
		return err
	}
	var fe []domain.FieldError
	if in.OldPassword == "" {
		fe = append(fe, domain.FieldError{Field: "old_password", Message: "is required"})
	}
	if msg := auth.PasswordProblem(in.NewPassword, p.Subject, u.Email); msg != "" {
		fe = append(fe, domain.FieldError{Field: "new_password", Message: msg})
	} else if in.NewPassword == in.OldPassword {
		fe = append(fe, domain.FieldError{Field: "new_password", Message: "must differ from the old password"})
	}
	if len(fe) > 0 {
		return &domain.Error{Code: domain.CodeInvalid, Message: "the new password is not acceptable", Fields: fe}
	}
	if err := auth.CheckOldPassword(ctx, s.Accounts, u, in.OldPassword); err != nil {
		return err
	}
	hash, err := auth.HashPassword(in.NewPassword)
	if err != nil {
		return err
	}
	changed, err := s.Accounts.ChangePassword(ctx, p, u.Version, hash)
	if err != nil {
		return err
	}
	s.forget(changed)
	return s.issue(c, changed)
}
