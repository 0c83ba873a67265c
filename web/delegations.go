package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// delegateWords are the words of the delegate field's choices, merged
// into english.
var delegateWords = map[string]string{
	"deleg.tohint": "Another enabled approver who does not hold the role already: the field offers them as you type, and “Who can receive” below lists them.",
	"deleg.tonone": "Nobody can receive a role of yours now: every other enabled approver holds it already.",
	"deleg.offer":  "Who can receive",
	"deleg.gets":   "can receive: %s",
}

func init() {
	for k, v := range delegateWords {
		english[k] = v
	}
}

// delegationView is the data of the delegations page.
type delegationView struct {
	Items []domain.ListedDelegation // one page, newest first
	// Next is the address of the page of older delegations ("" on the
	// last page); Newest, on a page after the first, of the first.
	Next   string
	Newest bool
	// All: the caller sees every delegation (an auditor, an
	// administrator), not only those they gave or received.
	All   bool
	Roles []domain.Role // the roles the caller may delegate: the form's
	// Delegates are whom the caller may delegate one of Roles to
	// (domain.ApprovalService.Delegates), offered at the field to.
	Delegates []domain.Delegate
	Form      delegationForm
	Errors    []fieldErr
	// Warn is a revocation's refusal, in the domain's words.
	Warn string
	// AdminHeld: the caller holds admin beside an approver role (an
	// account stored before administrators held no other role), so has
	// no role to delegate (domain.DelegableRoles); the page says why.
	AdminHeld bool
	Notice    string // what was just done (?added=<id>, ?revoked=<id>)
	p         domain.Principal
	now       time.Time
}

type delegationForm struct{ To, Role, Starts, Ends string }

// E is the error of one field.
func (v delegationView) E(field string) string { return errorOf(v.Errors, field) }

// F is a text input of the form, with its hint (a message key) and error.
func (v delegationView) F(name, label, hint, value string) field {
	return field{Type: "text", Name: name, Label: label, Hint: hint, Value: value, Err: v.E(name)}
}

// ToField is the delegate's username, offering Delegates as a list
// (datalist): a text input still, which takes any name typed without
// script or where a browser offers no list.
func (v delegationView) ToField() field {
	hint := "deleg.tohint"
	if len(v.Delegates) == 0 {
		hint = "deleg.tonone"
	}
	f := v.F("to", "deleg.to", hint, v.Form.To)
	f.List = fieldID("to") + "-list"
	return f
}

// DelegateLabel says which of the caller's roles d may receive, where the
// caller may delegate more than one; "" otherwise.
func (v delegationView) DelegateLabel(d domain.Delegate) string {
	if len(v.Roles) < 2 {
		return ""
	}
	names := make([]string, len(d.Roles))
	for i, r := range d.Roles {
		names[i] = roleLabel(r)
	}
	return fmt.Sprintf(msg("deleg.gets"), strings.Join(names, ", "))
}

// RoleField is the select of the roles the caller may delegate.
func (v delegationView) RoleField() field {
	opts := make([]option, len(v.Roles))
	for i, r := range v.Roles {
		opts[i] = option{string(r), roleLabel(r)}
	}
	return field{Name: "role", Label: "deleg.role", Value: v.Form.Role, Err: v.E("role"), Opts: opts}
}

// MayRevoke reports whether the caller may end d, as the domain and the
// route's declaration have it: an administrator any, an approver one they
// gave or received; an auditor only reads; and only one neither revoked
// nor ended (domain.DelegationRevokeRefusal).
func (v delegationView) MayRevoke(d domain.ListedDelegation) bool {
	if domain.DelegationRevokeRefusal(d.Delegation, v.now) != nil || !domain.MayEndDelegation(v.p, d.From, d.To) {
		return false
	}
	// The route lets administrators and approvers end one, not auditors.
	return v.p.HasRole(domain.RoleAdmin) || v.p.IsApprover()
}

// Revokes reports whether any delegation listed may be ended by the
// caller: else the page has no column for it.
func (v delegationView) Revokes() bool {
	for _, d := range v.Items {
		if v.MayRevoke(d) {
			return true
		}
	}
	return false
}

func (c *Console) handleDelegations(ec echo.Context) error {
	v := delegationView{}
	if rs := domain.DelegableRoles(principalOf(ec)); len(rs) > 0 {
		v.Form.Role = string(rs[0])
	}
	return c.renderDelegations(ec, http.StatusOK, v)
}

// delegationNotice confirms a delegation given or ended that came back
// here (?added=<id>, ?revoked=<id>), naming it as the list shows it: the
// role, the delegate and the period are looked up, never taken from the
// address. A delegation the caller no longer sees gets no notice.
func (c *Console) delegationNotice(ec echo.Context) (string, error) {
	for _, k := range []string{"added", "revoked"} {
		id := ec.QueryParam(k)
		if id == "" {
			continue
		}
		d, err := c.Approvals.ListedDelegation(ec.Request().Context(), principalOf(ec), id)
		if domain.ErrorCode(err) == domain.CodeNotFound {
			continue
		}
		if err != nil {
			return "", err
		}
		return fmt.Sprintf(msg("deleg."+k), roleLabel(d.Role), d.To, stockholmTime(d.Starts), untilTime(d.Ends)), nil
	}
	return "", nil
}

// delegationsPageSize is how many delegations the page lists, newest
// first; older ones are a link away (?after=<id>, as the API's cursor).
const delegationsPageSize = 50

func (c *Console) renderDelegations(ec echo.Context, status int, v delegationView) error {
	p := principalOf(ec)
	after := ec.QueryParam("after")
	page, err := c.Approvals.DelegationPage(ec.Request().Context(), p, domain.DelegationFilter{After: after, Limit: delegationsPageSize})
	if err != nil {
		return err
	}
	if page.NextAfter != "" {
		v.Next = "/delegations?" + url.Values{"after": {page.NextAfter}}.Encode()
	}
	v.Newest = after != ""
	v.Items, v.p, v.Roles, v.now = page.Items, p, domain.DelegableRoles(p), c.Now()
	v.AdminHeld = domain.AdminApprover(p.Roles)
	if len(v.Roles) > 0 {
		if v.Delegates, err = c.Approvals.Delegates(ec.Request().Context(), p); err != nil {
			return err
		}
	}
	if v.Notice, err = c.delegationNotice(ec); err != nil { // none after a form: its address has no query
		return err
	}
	v.All = domain.SeesAllDelegations(p)
	title := msg("deleg.title")
	if v.All {
		title = msg("deleg.titleall")
	}
	return c.render(ec, status, "delegations", title, v)
}

// handleDelegationCreate reads the form's days as Stockholm days: the
// delegation starts at 00:00 Stockholm time on its first day — from now
// when that is today or none is given — and runs to the end of its last
// day, which is included: the API's ends is the instant it stops, so that
// is 00:00 of the day after.
func (c *Console) handleDelegationCreate(ec echo.Context) error {
	f := delegationForm{To: strings.TrimSpace(ec.FormValue("to")), Role: ec.FormValue("role"),
		Starts: strings.TrimSpace(ec.FormValue("starts")), Ends: strings.TrimSpace(ec.FormValue("ends"))}
	ctx, p := ec.Request().Context(), principalOf(ec)
	var conv converter
	in := domain.DelegationInput{To: f.To, Role: domain.Role(f.Role), Starts: conv.stockholmDay("starts", f.Starts),
		Ends: conv.stockholmDay("ends", f.Ends)}
	if in.Starts.Equal(stockholmToday(c.Now())) {
		// Today's 00:00 has passed, and the domain refuses a start in the
		// past: a delegation from today is one from now.
		in.Starts = time.Time{}
	}
	if !in.Ends.IsZero() {
		in.Ends = in.Ends.AddDate(0, 0, 1)
	}
	var err error
	var made *domain.ListedDelegation
	if len(conv.errs) == 0 {
		made, err = c.Approvals.CreateDelegation(ctx, p, in)
	} else {
		err = convInvalid("the delegation is not valid", conv.errs, c.checkDelegation(ctx, p, in, conv.errs), delegationMeasured...)
	}
	if err == nil {
		return ec.Redirect(http.StatusSeeOther, "/delegations?added="+url.QueryEscape(made.ID))
	}
	de, ok := err.(*domain.Error)
	if !ok || de.Code != domain.CodeInvalid {
		return err
	}
	errs := delegationLabels.errs(de.Fields)
	for i, e := range errs {
		switch {
		// The domain's ends is an instant after starts; the form's is the
		// last day, which may be the first. Only a starts typed as a later
		// day than today is measured so: an empty one, or today, is now,
		// which an ends not in the past is always after.
		case e.Field == "ends" && e.Message == domain.EndsBeforeStarts:
			errs[i].Message = msg("deleg.endsbefore")
		// The domain's starts is an instant; the form's is a day, which
		// may be today but no day before.
		case e.Field == "starts" && e.Message == "must not be in the past":
			errs[i].Message = msg("deleg.startspast")
		}
	}
	return c.renderDelegations(ec, http.StatusUnprocessableEntity, delegationView{Form: f, Errors: errs})
}

// stockholmToday is the instant today begins in Stockholm, in the
// Stockholm zone (as stockholmDay reads a typed day).
func stockholmToday(now time.Time) time.Time {
	y, m, d := now.In(stockholm).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, stockholm)
}

// delegationMeasured are the errors of ends that compare it with starts:
// a starts typed wrong is checked as "now", and an ends measured from now
// is no error of the days typed. Ends' own errors (required, in the past)
// stay.
var delegationMeasured = []measured{
	{Field: "ends", Message: domain.EndsBeforeStarts, On: []string{"starts"}},
	{Field: "ends", Message: domain.DelegationTooLong, On: []string{"starts"}},
}

// checkDelegation is the domain's check of the fields of in that
// converted, conv naming those that did not: a starts typed wrong is
// checked as "now", which an empty one means, and an ends typed wrong as
// none (convInvalid drops the domain's errors of the fields in conv, and
// delegationMeasured those measured from a starts it could not read).
func (c *Console) checkDelegation(ctx context.Context, p domain.Principal, in domain.DelegationInput, conv []domain.FieldError) error {
	for _, e := range conv {
		switch e.Field {
		case "starts":
			in.Starts = time.Time{}
		case "ends":
			in.Ends = time.Time{}
		}
	}
	return c.Approvals.CheckDelegation(ctx, p, in)
}

func (c *Console) handleDelegationRevoke(ec echo.Context) error {
	if !confirmed(ec) {
		if shown, err := c.confirmDelegationRevoke(ec, ec.Param("id")); shown || err != nil {
			return err
		}
	}
	ended, err := c.Approvals.RevokeDelegation(ec.Request().Context(), principalOf(ec), ec.Param("id"))
	if err != nil {
		return c.delegationRevokeRefused(ec, err)
	}
	return ec.Redirect(http.StatusSeeOther, "/delegations?revoked="+url.QueryEscape(ended.ID))
}

// delegationRevokeRefused answers a revocation the domain refuses because
// the delegation was already revoked or has ended (conflict): back on the
// delegations page, with the domain's words. Any other error (not found)
// is the error page's.
func (c *Console) delegationRevokeRefused(ec echo.Context, err error) error {
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeConflict {
		return err
	}
	v := delegationView{Warn: msg("confirm.delegnot") + ": " + de.Message}
	if rs := domain.DelegableRoles(principalOf(ec)); len(rs) > 0 {
		v.Form.Role = string(rs[0])
	}
	return c.renderDelegations(ec, http.StatusConflict, v)
}

// untilTime is the instant a delegation ends, in Stockholm time, as its
// notices have it (domain.StockholmUntil): one at midnight there is the
// end of the day before, "2026-12-20 24:00 CET (Stockholm)", so that a
// delegation whose last day is the 20th reads as ending on the 20th and
// not into the 21st.
func untilTime(t time.Time) string {
	if t.IsZero() {
		return stockholmTime(t)
	}
	return domain.StockholmUntil(t)
}
