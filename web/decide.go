package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// decideWords are the words of who the decision is made for and of the
// override's hint, merged into english.
var decideWords = map[string]string{
	"decide.for":      "You decide this stage for %s (delegated until %s).",
	"decide.forstage": "%s: you decide this stage for %s (delegated until %s).",
}

func init() {
	for k, v := range decideWords {
		english[k] = v
	}
}

// decideForm is the decision form of a request's page, as typed.
type decideForm struct {
	Stages []domain.Stage // the active stages the caller may decide
	// Acting says, for each of Stages the caller would decide by
	// delegation, for whom and until when (decide.for).
	Acting []string
	// Override: approving one of Stages would approve the request
	// (domain.FinalApproval), the only decision whose override reason
	// counts; without it the form has no such field.
	Override       bool
	Stage          string
	Outcome        string
	Comment        string
	Conditions     string
	OverrideReason string
	Version        int
	Errors         []fieldErr
}

// E is the error of one field of the form.
func (f decideForm) E(field string) string { return fieldError(f.Errors, field) }

// F is one control of the form, for the "input" and "textarea" templates.
func (f decideForm) F(typ, name, label, value string) field {
	return field{Type: typ, Name: name, Label: label, Value: value, Err: f.E(name)}
}

// radio is one radio button.
type radio struct {
	ID, Value, Label string
	Checked          bool
}

// Outcomes are the outcome radios: the first has the field's id, so that
// an error links to it (as the roles of the account form).
func (f decideForm) Outcomes() []radio {
	out := make([]radio, 0, len(choices["outcome"]))
	for i, o := range choices["outcome"] {
		id := fieldID("outcome")
		if i > 0 {
			id = fieldID("outcome." + o.Value)
		}
		out = append(out, radio{ID: id, Value: o.Value, Label: o.Label, Checked: o.Value == f.Outcome})
	}
	return out
}

// StageOptions are the stages offered, each named by its role; the
// stage's id is added only where two stages have one role.
func (f decideForm) StageOptions() []option {
	out := make([]option, 0, len(f.Stages))
	for _, s := range f.Stages {
		label := roleLabel(s.Role)
		for _, o := range f.Stages {
			if o.ID != s.ID && o.Role == s.Role {
				label += " – " + s.ID
				break
			}
		}
		out = append(out, option{s.ID, label})
	}
	return out
}

// decideFormFor is the decision form of a request in review, offering the
// stages the domain would let the caller decide (DecidableStages: the
// role, held or delegated, and separation of duties, as the queue and
// Decide have it). Without any, the form is replaced by the reason: a
// stage of theirs that separation of duties refuses them (decide.sod), or
// no stage of theirs open now (decide.none). Nil for a request not in
// review or a caller who decides nothing.
func (c *Console) decideFormFor(ec echo.Context, r *domain.Request) (*decideForm, string, error) {
	p := principalOf(ec)
	if r.Status != domain.StatusInReview || r.Route == nil || !slices.ContainsFunc(p.Roles, domain.Role.IsApprover) {
		return nil, "", nil
	}
	choices, err := c.Approvals.DecidableStages(ec.Request().Context(), p, r)
	if err != nil {
		return nil, "", err
	}
	// No outcome is chosen beforehand: a decision is never one click.
	f := &decideForm{Version: r.Version}
	refused := false
	var offered []domain.StageChoice
	for _, sc := range choices {
		if sc.Refused != nil {
			refused = true
			continue
		}
		f.Stages = append(f.Stages, sc.Stage)
		offered = append(offered, sc)
		f.Override = f.Override || domain.FinalApproval(r, sc.Stage.ID, p.Subject, c.Now())
	}
	labels := f.StageOptions()
	for i, sc := range offered {
		if sc.Delegation == nil { // held directly
			continue
		}
		if len(offered) == 1 {
			f.Acting = append(f.Acting, fmt.Sprintf(msg("decide.for"), sc.ActingFor, untilTime(sc.Delegation.Ends)))
		} else {
			f.Acting = append(f.Acting, fmt.Sprintf(msg("decide.forstage"), labels[i].Label, sc.ActingFor, untilTime(sc.Delegation.Ends)))
		}
	}
	switch {
	case len(f.Stages) > 0:
		f.Stage = f.Stages[0].ID
		return f, "", nil
	case refused:
		return nil, msg("decide.sod"), nil
	}
	return nil, msg("decide.none"), nil
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
		if f := v.Decide; f != nil {
			// What was typed comes back on the fresh form, at the new
			// version and with the stage chosen if it is still offered;
			// the outcome does not, so that deciding still takes a
			// deliberate click on the state now shown.
			f.Comment, f.Conditions, f.OverrideReason = in.Comment, in.Conditions, in.OverrideReason
			if slices.ContainsFunc(f.Stages, func(s domain.Stage) bool { return s.ID == in.Stage }) {
				f.Stage = in.Stage
			}
		}
		return c.render(ec, http.StatusConflict, "request", v.R.ExerciseName, v)
	case domain.CodeInvalid, domain.CodeAreaConflict, domain.CodeFrameworkNotApplicable, domain.CodeSeparationOfDuties, domain.CodeForbidden:
		if v.Decide == nil {
			v.Warn = sentence(de.Message)
			return c.render(ec, http.StatusConflict, "request", v.R.ExerciseName, v)
		}
		in.Stages, in.Version, in.Acting, in.Override = v.Decide.Stages, v.Decide.Version, v.Decide.Acting, v.Decide.Override
		in.Errors = requestLabels.errs(de.Fields)
		if len(in.Errors) == 0 {
			field := "outcome"
			if de.Code == domain.CodeAreaConflict {
				field = "override_reason"
			}
			in.Errors = requestLabels.errs([]domain.FieldError{{Field: field, Message: de.Message}})
		}
		// An error of the override reason shows its field, wherever the
		// form came from (a page of before the route moved on).
		in.Override = in.Override || in.E("override_reason") != ""
		v.Decide = &in
		return c.render(ec, statusOf[de.Code], "request", v.R.ExerciseName, v)
	}
	return err
}

// handleRevoke withdraws an approved permit.
func (c *Console) handleRevoke(ec echo.Context) error {
	if !confirmed(ec) {
		return c.confirmRequestAction(ec, actionRevoke)
	}
	version, _ := strconv.Atoi(ec.FormValue("version"))
	_, err := c.Approvals.Revoke(ec.Request().Context(), principalOf(ec), ec.Param("id"), version, ec.FormValue("reason"))
	return c.afterAction(ec, err, actionRevoke)
}
