package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// decideForm is the decision form of a request's page, as typed.
type decideForm struct {
	Stages         []domain.Stage // the active stages the caller may decide
	Stage          string
	Outcome        string
	Comment        string
	Conditions     string
	OverrideReason string
	Version        int
	Errors         []fieldErr
}

// E is the error of one field of the form.
func (f decideForm) E(field string) string {
	for _, e := range f.Errors {
		if e.Field == field || strings.HasPrefix(e.Field, field+"[") {
			return e.Message
		}
	}
	return ""
}

// decideFormFor offers the active stages whose role the caller holds
// directly or by an active delegation; the domain checks both again, with
// separation of duties, when the decision is sent.
func (c *Console) decideFormFor(ec echo.Context, r *domain.Request) *decideForm {
	if r.Status != domain.StatusInReview || r.Route == nil {
		return nil
	}
	p := principalOf(ec)
	roles := append([]domain.Role(nil), p.Roles...)
	if ds, err := c.Approvals.ListDelegations(ec.Request().Context(), p); err == nil {
		for _, d := range ds {
			if d.To == p.Subject && d.GivesRole() {
				roles = append(roles, d.Role)
			}
		}
	}
	f := &decideForm{Version: r.Version, Outcome: domain.OutcomeApprove}
	for _, s := range r.Route.Stages {
		if s.Status == domain.StageActive && slices.Contains(roles, s.Role) {
			f.Stages = append(f.Stages, s)
		}
	}
	if len(f.Stages) == 0 {
		return nil
	}
	f.Stage = f.Stages[0].ID
	return f
}

// handleDecide records a decision with the version the page was rendered
// at: if someone decided meanwhile, nothing is overwritten and the page
// shows the new state with a notice.
func (c *Console) handleDecide(ec echo.Context) error {
	id := ec.Param("id")
	in := decideForm{Stage: ec.FormValue("stage"), Outcome: ec.FormValue("outcome"), Comment: ec.FormValue("comment"),
		Conditions: ec.FormValue("conditions"), OverrideReason: strings.TrimSpace(ec.FormValue("override_reason"))}
	in.Version, _ = strconv.Atoi(ec.FormValue("version"))
	_, err := c.Approvals.Decide(ec.Request().Context(), principalOf(ec), id, in.Version, domain.DecisionInput{
		Stage: in.Stage, Outcome: in.Outcome, Comment: strings.TrimSpace(in.Comment),
		Conditions: lines(in.Conditions), OverrideReason: in.OverrideReason})
	if err == nil {
		return ec.Redirect(http.StatusSeeOther, "/requests/"+id+"?done=decided")
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	c.recordRefusal(ec, principalOf(ec), err) // a separation-of-duties refusal is an attempt
	v, lerr := c.detail(ec, id)
	if lerr != nil {
		return lerr
	}
	switch de.Code {
	case domain.CodePreconditionFailed, domain.CodeInvalidTransition:
		v.Warn = msg("req.stale")
		return c.render(ec, http.StatusConflict, "request", v.R.ExerciseName, v)
	case domain.CodeInvalid, domain.CodeAreaConflict, domain.CodeSeparationOfDuties, domain.CodeForbidden:
		if v.Decide == nil {
			v.Warn = de.Message
			return c.render(ec, http.StatusConflict, "request", v.R.ExerciseName, v)
		}
		in.Stages, in.Version = v.Decide.Stages, v.Decide.Version
		in.Errors = toFieldErrs(de.Fields)
		if len(in.Errors) == 0 {
			field := "outcome"
			if de.Code == domain.CodeAreaConflict {
				field = "override_reason"
			}
			in.Errors = []fieldErr{{Field: field, Message: de.Message, Anchor: fieldID(field)}}
		}
		v.Decide = &in
		return c.render(ec, statusOf[de.Code], "request", v.R.ExerciseName, v)
	}
	return err
}

// handleRevoke withdraws an approved permit.
func (c *Console) handleRevoke(ec echo.Context) error {
	version, _ := strconv.Atoi(ec.FormValue("version"))
	_, err := c.Approvals.Revoke(ec.Request().Context(), principalOf(ec), ec.Param("id"), version, ec.FormValue("reason"))
	return c.afterAction(ec, err, "")
}
