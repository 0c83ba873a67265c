package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"exaccess/api/auth"
	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

type userJSON struct {
	ID                 string     `json:"id"`
	Username           string     `json:"username"`
	Roles              []string   `json:"roles"`
	Nation             *string    `json:"nation"`
	Email              *string    `json:"email"`
	Disabled           bool       `json:"disabled"`
	DisabledAt         *time.Time `json:"disabled_at"`
	DisabledReason     *string    `json:"disabled_reason"`
	MustChangePassword bool       `json:"must_change_password"`
	// OneTimePasswordExpiresAt: while must_change_password, when the
	// one-time password stops signing in; null otherwise.
	OneTimePasswordExpiresAt *time.Time `json:"one_time_password_expires_at"`
	LockedUntil              *time.Time `json:"locked_until"`
	External                 bool       `json:"external"`
	Version                  int        `json:"version"`
	CreatedAt                time.Time  `json:"created_at"`
	UpdatedAt                time.Time  `json:"updated_at"`
}

// userWithPassword is the answer to a creation or a reset: the one-time
// password is shown this once and stored only as a hash, with when it
// expires (domain.OneTimePasswordTTL on).
type userWithPassword struct {
	User                     userJSON  `json:"user"`
	OneTimePassword          string    `json:"one_time_password"`
	OneTimePasswordExpiresAt time.Time `json:"one_time_password_expires_at"`
}

func withPassword(u *domain.User, otp string) userWithPassword {
	out := userWithPassword{User: toUserJSON(u), OneTimePassword: otp}
	if u.OneTimePasswordExpiresAt != nil {
		out.OneTimePasswordExpiresAt = *u.OneTimePasswordExpiresAt
	}
	return out
}

type userCreateInput struct {
	Username string   `json:"username"`
	Roles    []string `json:"roles"`
	Nation   string   `json:"nation"`
	Email    string   `json:"email"`
}

type userPatchInput struct {
	Roles  *[]string `json:"roles"`
	Nation *string   `json:"nation"`
	Email  *string   `json:"email"`
	Reason string    `json:"reason"`
}

type reasonInput struct {
	Reason string `json:"reason"`
}

var userReadOnly = []string{"id", "version", "disabled", "disabled_at", "disabled_reason", "must_change_password",
	"one_time_password_expires_at", "locked_until", "external", "created_at", "updated_at", "password", "password_hash", "generation"}

func toUserJSON(u *domain.User) userJSON {
	out := userJSON{ID: u.ID, Username: u.Username, Roles: []string{}, Nation: optional(u.Nation),
		Email: optional(u.Email), Disabled: u.Disabled(), DisabledAt: u.DisabledAt, DisabledReason: optional(u.DisabledReason),
		MustChangePassword: u.MustChangePassword, LockedUntil: u.LockedUntil, External: u.External,
		Version: u.Version, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if u.MustChangePassword {
		out.OneTimePasswordExpiresAt = u.OneTimePasswordExpiresAt
	}
	for _, r := range u.Roles {
		out.Roles = append(out.Roles, string(r))
	}
	return out
}

func toRoles(names []string) []domain.Role {
	out := make([]domain.Role, len(names))
	for i, n := range names {
		out[i] = domain.Role(n)
	}
	return out
}

func (s *Server) handleUserList(c echo.Context) error {
	q := newQuery(c)
	f := domain.UserFilter{Limit: q.limit(), Nation: q.nation(s.Reference)}
	if v := q.values.Get("role"); v != "" {
		// Any well-formed role name, not only the roles known now: an
		// administrator finds who still holds a role of a policy loaded
		// before, which the policy in force no longer names.
		if _, ok := domain.ParseRole(v); !ok && !domain.WellFormedRoleName(v) {
			q.bad("role", "unknown role "+strconv.Quote(v)+" (one of "+strings.Join(roleNames(domain.AllRoles()), ", ")+
				"; or the name of a role a policy named before)")
		}
		f.Role = domain.Role(v)
	}
	if v := q.values.Get("disabled"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil || (v != "true" && v != "false") {
			q.bad("disabled", "must be true or false")
		}
		f.Disabled = &b
	}
	f.After, _ = cursor(q, decodeCursor)
	if err := q.err(); err != nil {
		return err
	}
	page, err := s.Accounts.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := listResponse[userJSON]{Items: []userJSON{}}
	for i := range page.Items {
		out.Items = append(out.Items, toUserJSON(&page.Items[i]))
	}
	if page.NextAfter != "" {
		next := encodeCursor(page.NextAfter)
		out.NextCursor = &next
	}
	return c.JSON(http.StatusOK, out)
}

// handleUserCreate makes an account with a one-time password that the new
// user must change at the first sign-in. The answer is not kept for a
// replay (the password lives only as a hash): an Idempotency-Key is
// refused, not ignored.
func (s *Server) handleUserCreate(c echo.Context) error {
	if err := refuseIdempotencyKey(c, noKeyForUsers); err != nil {
		return err
	}
	body, err := readBody(c, false)
	if err != nil {
		return err
	}
	var in userCreateInput
	if err := decodeStrict(body, &in, userReadOnly); err != nil {
		return err
	}
	otp, hash, err := auth.OneTimePassword()
	if err != nil {
		return err
	}
	u := domain.User{Username: in.Username, Roles: toRoles(in.Roles), Nation: in.Nation, Email: in.Email, MustChangePassword: true}
	created, err := s.Accounts.CreateUser(c.Request().Context(), principal(c).Subject, u, hash)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/users/"+created.ID)
	c.Response().Header().Set("ETag", etag(created.Version))
	return c.JSON(http.StatusCreated, withPassword(created, otp))
}

func (s *Server) handleUserGet(c echo.Context) error {
	u, err := s.Accounts.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return s.userAnswer(c, u, nil)
}

// handleUserPatch changes roles and nation at the If-Match version.
func (s *Server) handleUserPatch(c echo.Context) error {
	var in userPatchInput
	version, body, err := readChange(c)
	if err != nil {
		return err
	}
	if err := decodeStrict(body, &in, userReadOnly); err != nil {
		return err
	}
	ch := domain.UserChange{Nation: in.Nation, Email: in.Email, Reason: in.Reason}
	if in.Roles != nil {
		roles := toRoles(*in.Roles)
		ch.Roles = &roles
	}
	u, err := s.Accounts.Change(c.Request().Context(), principal(c).Subject, c.Param("id"), version, ch)
	return s.userAnswer(c, u, err)
}

func (s *Server) handleUserDisable(c echo.Context) error { return s.setDisabled(c, true) }
func (s *Server) handleUserEnable(c echo.Context) error  { return s.setDisabled(c, false) }

func (s *Server) setDisabled(c echo.Context, disabled bool) error {
	in, err := readReason(c)
	if err != nil {
		return err
	}
	u, err := s.Accounts.SetDisabled(c.Request().Context(), principal(c).Subject, c.Param("id"), disabled, in.Reason)
	return s.userAnswer(c, u, err)
}

// handleUserResetPassword sets a fresh one-time password and shows it once.
func (s *Server) handleUserResetPassword(c echo.Context) error {
	in, err := readReason(c)
	if err != nil {
		return err
	}
	otp, hash, err := auth.OneTimePassword()
	if err != nil {
		return err
	}
	u, err := s.Accounts.ResetPassword(c.Request().Context(), principal(c).Subject, c.Param("id"), hash, in.Reason)
	if err != nil {
		return err
	}
	s.forget(u)
	c.Response().Header().Set("ETag", etag(u.Version))
	return c.JSON(http.StatusOK, withPassword(u, otp))
}

func readReason(c echo.Context) (reasonInput, error) {
	var in reasonInput
	body, err := readBody(c, false)
	if err != nil {
		return in, err
	}
	return in, decodeStrict(body, &in, userReadOnly)
}

// userAnswer writes an account with its ETag, after making this process
// forget its cached state of it (other processes reload within seconds).
func (s *Server) userAnswer(c echo.Context, u *domain.User, err error) error {
	if err != nil {
		return err
	}
	s.forget(u)
	c.Response().Header().Set("ETag", etag(u.Version))
	return c.JSON(http.StatusOK, toUserJSON(u))
}

func (s *Server) forget(u *domain.User) {
	if s.Principals != nil {
		s.Principals.Forget(u.Username)
	}
}

// roleNames are rs as strings, for a message that lists them.
func roleNames(rs []domain.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}
