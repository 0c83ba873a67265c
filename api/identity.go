package api

import (
	"context"
	"net/http"
	"time"

	"exaccess/api/auth"
	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

type tokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

type meResponse struct {
	Username           string   `json:"username"`
	Roles              []string `json:"roles"`
	Nation             *string  `json:"nation"`
	MustChangePassword bool     `json:"must_change_password"`
}

// handleTokenCreate signs a user in. A wrong username and a wrong password
// get the same answer in the same time, so accounts cannot be enumerated.
func (s *Server) handleTokenCreate(c echo.Context) error {
	body, err := readBody(c, false)
	if err != nil {
		return err
	}
	var in tokenRequest
	if err := decodeStrict(body, &in, nil); err != nil {
		return err
	}
	// The name as the console's sign-in and the sign-in limit read it, so
	// that " ops2" is ops2 to all three: its failures count towards ops2's
	// lock, not to an unknown name's.
	in.Username = auth.SignInName(in.Username)
	var fe []domain.FieldError
	if in.Username == "" {
		fe = append(fe, domain.FieldError{Field: "username", Message: "is required"})
	}
	if in.Password == "" {
		fe = append(fe, domain.FieldError{Field: "password", Message: "is required"})
	}
	if len(fe) > 0 {
		return &domain.Error{Code: domain.CodeInvalid, Message: "username and password are required", Fields: fe}
	}
	u, err := s.signIn(c.Request().Context(), in.Username, in.Password)
	if err != nil {
		return err
	}
	return s.issue(c, u)
}

// signIn checks a username and password (auth.SignIn, shared with the
// console); a refusal answers as a wrong password does, whatever its cause.
func (s *Server) signIn(ctx context.Context, username, password string) (*domain.User, error) {
	u, err := auth.SignIn(ctx, s.Users, s.Accounts, s.now(), username, password)
	if err == nil && u == nil {
		return nil, badCredentials()
	}
	return u, err
}

func (s *Server) issue(c echo.Context, u *domain.User) error {
	tok, err := s.Tokens.Issue(*u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(s.Tokens.TTL().Seconds())})
}

func badCredentials() error {
	return domain.Errorf(domain.CodeUnauthorized, "wrong username or password")
}

func (s *Server) handleMe(c echo.Context) error {
	p := principal(c)
	out := meResponse{Username: p.Subject, Roles: []string{}, Nation: optional(p.Nation), MustChangePassword: p.MustChangePassword}
	for _, r := range p.Roles {
		out.Roles = append(out.Roles, string(r))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) handleJWKS(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, "application/jwk-set+json", s.Tokens.JWKS())
}

func (s *Server) handleOpenAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", s.OpenAPI)
}

// now is the accounts' clock (locks are judged by it).
func (s *Server) now() time.Time {
	if s.Accounts != nil {
		return s.Accounts.Now()
	}
	return time.Now()
}
