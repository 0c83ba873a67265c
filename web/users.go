package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"exaccess/api/auth"
	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// usersPageSize is the number of accounts on one page of the users list.
const usersPageSize = 50

// usersView is the data of the users list.
type usersView struct {
	Users                 []domain.User
	Role, Nation, Disable string // the filters, as typed
	Next                  string // the next page's URL, "" on the last
	First                 string // the first page's URL, on a later page
	Roles                 []option
	Nations               []option
	Errors                []fieldErr
	Unheld                []domain.Role // approver roles no enabled account holds
	// Legacy are the enabled accounts stored before a rule that refuses
	// them now, with what is wrong (domain.AccountWarnings), whichever
	// page lists them.
	Legacy []domain.LegacyAccount
}

func (c *Console) roleOptions() []option {
	var out []option
	for _, r := range domain.AllRoles() {
		out = append(out, option{string(r), roleLabel(r)})
	}
	return out
}

func (c *Console) nationOptions() []option { return nationChoices(c.Reference) }

// handleUsers lists accounts with the API's filters (role, nation,
// disabled) and keyset paging.
func (c *Console) handleUsers(ec echo.Context) error {
	q := ec.QueryParams()
	v := usersView{Role: q.Get("role"), Nation: q.Get("nation"), Disable: q.Get("disabled"),
		Roles: c.roleOptions(), Nations: c.nationOptions()}
	f := domain.UserFilter{Limit: usersPageSize, Nation: v.Nation, After: q.Get("after")}
	if v.Role != "" {
		// Any well-formed role name, as the API's filter: also one the
		// policy no longer names, to find who still holds it.
		if _, ok := domain.ParseRole(v.Role); !ok && !domain.WellFormedRoleName(v.Role) {
			v.Errors = append(v.Errors, fieldErr{Field: "role", Message: "unknown role " + strconv.Quote(v.Role), Anchor: fieldID("role")})
		}
		f.Role = domain.Role(v.Role)
	}
	if _, ok := c.Reference.Nation(v.Nation); v.Nation != "" && !ok {
		v.Errors = append(v.Errors, fieldErr{Field: "nation", Message: "unknown nation " + strconv.Quote(v.Nation), Anchor: fieldID("nation")})
	}
	switch v.Disable {
	case "":
	case "true", "false":
		b := v.Disable == "true"
		f.Disabled = &b
	default:
		v.Errors = append(v.Errors, fieldErr{Field: "disabled", Message: "must be true or false", Anchor: fieldID("disabled")})
	}
	if len(v.Errors) > 0 {
		v.Errors = usersListLabels.named(v.Errors)
		return c.render(ec, http.StatusBadRequest, "users", msg("users.title"), v)
	}
	page, err := c.Accounts.List(ec.Request().Context(), f)
	if err != nil {
		return err
	}
	v.Users = page.Items
	if v.Unheld, err = c.Accounts.UnheldApproverRoles(ec.Request().Context()); err != nil {
		return err
	}
	if v.Legacy, err = c.Accounts.LegacyAccounts(ec.Request().Context()); err != nil {
		return err
	}
	if page.NextAfter != "" {
		nq := url.Values{"role": {v.Role}, "nation": {v.Nation}, "disabled": {v.Disable}, "after": {page.NextAfter}}
		v.Next = "/admin/users?" + nq.Encode()
	}
	if f.After != "" {
		v.First = firstPage("/admin/users", "role", v.Role, "nation", v.Nation, "disabled", v.Disable)
	}
	return c.render(ec, http.StatusOK, "users", msg("users.title"), v)
}

// userView is the data of one account's page and of the new-account form.
type userView struct {
	U        *domain.User
	Username string
	Nation   string
	Email    string // where notifications go; "" for none
	Roles    []string
	Reason   string // typed into the reason of the form at ReasonAt
	ReasonAt string // the id of the submitted form's reason input
	Password string // a one-time password, shown once
	Notice   string
	Stale    *staleNotice // the form was of an older version: what was typed that differs
	Errors   []fieldErr
	RoleOpts []option
	Nations  []option
	Unheld   []domain.Role // approver roles no enabled account holds (the page after a change)
	Warnings []string      // what is wrong with the account, stored before a rule (domain.AccountWarnings)
	// Own: the page is the signed-in administrator's own account, whose
	// roles and nation another administrator changes (the form sends them
	// as they are, so that only the address can change).
	Own bool
}

// Has reports whether the form holds role r.
func (v userView) Has(r string) bool {
	for _, x := range v.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// E is the error of one field.
func (v userView) E(field string) string { return errorOf(v.Errors, field) }

// ReasonOf is the reason input with id: its error and what was typed, when
// that input's form was the one submitted. Every form of the page has a
// reason, so only the id says whose it is.
func (v userView) ReasonOf(id, label string) idField {
	f := idField{ID: id, Name: "reason", Label: label, Err: errorAt(v.Errors, id)}
	if id == v.ReasonAt {
		f.Value = v.Reason
	}
	return f
}

// userForm is the form of u (nil: a new account). A role u holds that the
// loaded policy does not name (domain.UnknownRoles) is offered too, checked
// and said so, so that saving never drops it unseen: left checked, the
// change is refused as the API refuses it (unknown role); unchecked, it is
// taken away.
func (c *Console) userForm(u *domain.User) userView {
	v := userView{U: u, RoleOpts: c.roleOptions()}
	nation := ""
	if u != nil {
		nation = u.Nation
		v.Nation, v.Email = u.Nation, u.Email
		for _, r := range u.Roles {
			v.Roles = append(v.Roles, string(r))
		}
		for _, r := range domain.UnknownRoles(u.Roles) {
			v.RoleOpts = append(v.RoleOpts, option{string(r), string(r) + " " + msg("users.unknownrole")})
		}
	}
	v.Nations = sendingNationChoices(c.Reference, nation)
	return v
}

// accountView is the page of the stored account u: its form, whether it is
// the caller's own, and what is wrong with it (domain.AccountWarnings).
func (c *Console) accountView(ec echo.Context, u *domain.User) userView {
	v := c.userForm(u)
	v.Own = principalOf(ec).Subject == u.Username
	v.Warnings = domain.AccountWarnings(u)
	return v
}

func (c *Console) handleUserNew(ec echo.Context) error {
	return c.render(ec, http.StatusOK, "usernew", msg("users.new"), c.userForm(nil))
}

// handleUserCreate makes an account with a one-time password, shown once.
func (c *Console) handleUserCreate(ec echo.Context) error {
	v := c.userForm(nil)
	v.Username, v.Nation, v.Roles = strings.TrimSpace(ec.FormValue("username")), ec.FormValue("nation"), formList(ec, "roles")
	v.Email = strings.TrimSpace(ec.FormValue("email"))
	otp, hash, err := auth.OneTimePassword()
	if err != nil {
		return err
	}
	u := domain.User{Username: v.Username, Roles: toRoles(v.Roles), Nation: v.Nation, Email: v.Email, MustChangePassword: true}
	created, err := c.Accounts.CreateUser(ec.Request().Context(), principalOf(ec).Subject, u, hash)
	if err != nil {
		if v.Errors = formErrs(err, "username", userLabels); v.Errors == nil {
			return err
		}
		requiredUsername(v.Errors, v.Username)
		return c.render(ec, http.StatusUnprocessableEntity, "usernew", msg("users.new"), v)
	}
	return c.showOnce(ec, created.ID, "created", otp)
}

// renderOnce shows an account with its one-time password: never stored by
// the browser's cache, and gone on reload.
func (c *Console) renderOnce(ec echo.Context, v userView) error {
	ec.Response().Header().Set("Cache-Control", "no-store")
	return c.render(ec, http.StatusOK, "user", v.U.Username, v)
}

func (c *Console) handleUserPage(ec echo.Context) error {
	u, err := c.Accounts.Get(ec.Request().Context(), ec.Param("id"))
	if err != nil {
		return err
	}
	v := c.accountView(ec, u)
	if ec.QueryParam("saved") == "1" {
		v.Notice = msg("admin.saved")
	}
	otp, notice, err := c.takeOnce(ec, u.ID)
	if err != nil {
		return err
	}
	if otp != "" {
		v.Password, v.Notice = otp, notice
		return c.renderOnce(ec, v)
	}
	// Every change of roles or state comes back here: it warns at once
	// when the change left an approver role with nobody.
	if v.Unheld, err = c.Accounts.UnheldApproverRoles(ec.Request().Context()); err != nil {
		return err
	}
	return c.render(ec, http.StatusOK, "user", u.Username, v)
}

// handleUserChange sets roles, nation and e-mail address at the version the
// form was made from: a stale form says so and shows the account as it is
// now. A form without the address field leaves the address alone.
func (c *Console) handleUserChange(ec echo.Context) error {
	ctx, id := ec.Request().Context(), ec.Param("id")
	version, _ := strconv.Atoi(ec.FormValue("version"))
	roles, nation := toRoles(formList(ec, "roles")), ec.FormValue("nation")
	ch := domain.UserChange{Roles: &roles, Nation: &nation, Reason: strings.TrimSpace(ec.FormValue("reason"))}
	email, hasEmail := "", false
	if form, err := ec.FormParams(); err == nil {
		if vals, ok := form["email"]; ok && len(vals) > 0 {
			email, hasEmail = strings.TrimSpace(vals[0]), true
			ch.Email = &email
		}
	}
	changed, err := c.Accounts.Change(ctx, principalOf(ec).Subject, id, version, ch)
	if err == nil {
		c.Principals.Forget(changed.Username)
		return ec.Redirect(http.StatusSeeOther, "/admin/users/"+id+"?saved=1")
	}
	return c.userProblem(ec, id, err, changeForm, func(v *userView) {
		v.Nation, v.Roles = nation, formList(ec, "roles")
		if hasEmail {
			v.Email = email
		}
	})
}

// accountForm is one of the forms of an account's page, so that an error
// lands on the form that was submitted: reasonID is the id of its reason
// input (every form has one, named "reason"), whole the field an error of
// the whole form is shown at.
type accountForm struct{ reasonID, whole string }

var (
	// roles, nation and e-mail: "the last administrator who can sign in" is an
	// error of the roles
	changeForm = accountForm{reasonID: "f-change-reason", whole: "roles"}
	resetForm  = accountForm{reasonID: "f-reset-reason", whole: "reason"}
	// disable or enable
	stateForm = accountForm{reasonID: fieldID("reason"), whole: "reason"}
)

// userProblem shows an account's page again with the error of form, the
// reason typed kept in it; a stale version shows the account as it is now.
func (c *Console) userProblem(ec echo.Context, id string, cause error, form accountForm, keep func(*userView)) error {
	u, err := c.Accounts.Get(ec.Request().Context(), id)
	if err != nil {
		return err
	}
	v := c.accountView(ec, u)
	if domain.ErrorCode(cause) == domain.CodePreconditionFailed {
		// The form shows the account as it is now; the notice lists what
		// the administrator had typed that differs, to apply again.
		v.Stale = &staleNotice{Title: msg("users.stale"), Help: msg("users.stalehelp")}
		if keep != nil {
			typed := v
			typed.Roles = nil
			keep(&typed)
			v.Stale.differs("users.roles", roleNames(typed.Roles), roleNames(v.Roles))
			v.Stale.differs("users.nation", c.nationName(typed.Nation), c.nationName(v.Nation))
			v.Stale.differs("users.email", typed.Email, v.Email)
		}
		return c.render(ec, http.StatusConflict, "user", u.Username, v)
	}
	if v.Errors = formErrs(cause, form.whole, userLabels); v.Errors == nil {
		return cause
	}
	for i := range v.Errors {
		if v.Errors[i].Field == "reason" {
			v.Errors[i].Anchor = form.reasonID
		}
	}
	v.Reason, v.ReasonAt = strings.TrimSpace(ec.FormValue("reason")), form.reasonID
	if keep != nil {
		keep(&v)
	}
	return c.render(ec, http.StatusUnprocessableEntity, "user", u.Username, v)
}

// handleUserDisable disables an account once confirmed
// (confirmUserDisable); enabling one is done at once.
func (c *Console) handleUserDisable(ec echo.Context) error {
	if !confirmed(ec) {
		return c.confirmUserDisable(ec)
	}
	return c.setDisabled(ec, true)
}

func (c *Console) handleUserEnable(ec echo.Context) error { return c.setDisabled(ec, false) }

func (c *Console) setDisabled(ec echo.Context, disabled bool) error {
	id, reason := ec.Param("id"), strings.TrimSpace(ec.FormValue("reason"))
	u, err := c.Accounts.SetDisabled(ec.Request().Context(), principalOf(ec).Subject, id, disabled, reason)
	if err != nil {
		return c.userProblem(ec, id, err, stateForm, nil)
	}
	c.Principals.Forget(u.Username)
	return ec.Redirect(http.StatusSeeOther, "/admin/users/"+id+"?saved=1")
}

// handleUserReset sets a fresh one-time password, once confirmed
// (confirmUserReset), and shows it once.
func (c *Console) handleUserReset(ec echo.Context) error {
	if !confirmed(ec) {
		return c.confirmUserReset(ec)
	}
	id, reason := ec.Param("id"), strings.TrimSpace(ec.FormValue("reason"))
	otp, hash, err := auth.OneTimePassword()
	if err != nil {
		return err
	}
	u, err := c.Accounts.ResetPassword(ec.Request().Context(), principalOf(ec).Subject, id, hash, reason)
	if err != nil {
		return c.userProblem(ec, id, err, resetForm, nil)
	}
	c.Principals.Forget(u.Username)
	return c.showOnce(ec, u.ID, "reset", otp)
}

// formErrs turns a validation or conflict error into a form's errors,
// named by the page's labels l, the whole-form ones on field; nil for any
// other error.
func formErrs(err error, field string, l labels) []fieldErr {
	var de *domain.Error
	if !errors.As(err, &de) || (de.Code != domain.CodeInvalid && de.Code != domain.CodeConflict) {
		return nil
	}
	if len(de.Fields) > 0 {
		return l.errs(de.Fields) // each role's error (roles[1]) links to the group
	}
	return l.errs([]domain.FieldError{{Field: field, Message: de.Message}})
}

// requiredUsername words the domain's error of a username left empty as
// the form's other required fields are ("is required"), not as the rule
// a username typed wrong breaks, which it keeps.
func requiredUsername(errs []fieldErr, username string) {
	if username != "" {
		return
	}
	for i := range errs {
		if errs[i].Field == "username" {
			errs[i].Message = "is required"
		}
	}
}

func formList(ec echo.Context, name string) []string {
	form, _ := ec.FormParams()
	return form[name]
}

func toRoles(names []string) []domain.Role {
	out := make([]domain.Role, len(names))
	for i, n := range names {
		out[i] = domain.Role(n)
	}
	return out
}
