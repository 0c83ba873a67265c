package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// fieldErr is one error of a form, with the element it links to. Label
// names the field in the error summary as the page labels it (labels).
// Href, when set, is where the summary links instead: a field on another
// page.
type fieldErr struct{ Field, Label, Message, Anchor, Href string }

// formView is the data of the request form page.
type formView struct {
	Form    requestForm
	ID      string // "" for a new request
	Version int
	Status  domain.Status
	// Named is the framework agreement the request names as stored ("" for
	// a new request): the form keeps it chosen though the officer may no
	// longer read it (formView.Agreement).
	Named   string
	Errors  []fieldErr
	Reasons []string // the policy's, when the request is not eligible
	// Problem is a refusal of the whole request that is no field's (a
	// policy that could not decide on it), with the request id to quote.
	Problem, RequestID string
	Notice             string
	// Limited says that the user is over the create/submit/withdraw
	// limit and when to try again: nothing was saved. LimitedCheck says
	// that it was a route check (the dry run) that was refused.
	Limited      string
	LimitedCheck bool
	Comment      *domain.Decision // the approver's, when changes were requested
	DryRun       *domain.Evaluation
	Opts         options
	// Stale is the request as it is now, when the amendment was made
	// from an older version and nothing was saved.
	Stale *staleForm
	// Key is a new request's one-off form key (formkey.go).
	Key string
	// SentBefore is the request the form's previous key created, when
	// the key came back with another form (formResent).
	SentBefore string
	// NotSubmitted says that saving and submitting saved the request but
	// did not submit it (the errors or reasons say why): the form is then
	// the saved request's, at its own address (notSubmitted).
	NotSubmitted bool
}

// Steps are the dry run's stages in the order the route takes them:
// stages of one order run at the same time, and each order starts once
// the one before it is approved.
func (v formView) Steps() [][]domain.Stage {
	if v.DryRun == nil || v.DryRun.Route == nil {
		return nil
	}
	var out [][]domain.Stage
	for i, s := range v.DryRun.Route.Stages { // BuildRoute keeps them by order
		if i > 0 && s.Order == v.DryRun.Route.Stages[i-1].Order {
			out[len(out)-1] = append(out[len(out)-1], s)
			continue
		}
		out = append(out, []domain.Stage{s})
	}
	return out
}

// staleForm tells of a request that changed while it was being amended.
// The form keeps what was typed and the version it was made from, so
// saving again blindly is refused again; Confirm, when ticked, saves over
// the current version.
type staleForm struct {
	Version   int
	Status    domain.Status
	UpdatedAt time.Time
	Editable  bool
	// Differs names the parts where the form differs from the request now.
	Differs []string
}

// E is the error message of one field, for the template.
func (v formView) E(field string) string { return fieldError(v.Errors, field) }

func (c *Console) handleNewForm(ec echo.Context) error {
	v := formView{Form: requestForm{Movements: make([]movementRow, 1), Areas: make([]areaRow, 1), Vehicles: make([]vehicleRow, 1)}}
	return c.renderForm(ec, http.StatusOK, v)
}

func (c *Console) handleEditForm(ec echo.Context) error {
	r, err := c.Requests.GetRequest(ec.Request().Context(), principalOf(ec), ec.Param("id"))
	if err != nil {
		return err
	}
	if !r.Editable() {
		return ec.Redirect(http.StatusSeeOther, "/requests/"+r.ID)
	}
	v := c.editView(r, fromDetails(r.Details))
	if ec.QueryParam("done") == notSubmittedDone {
		return c.notSubmitted(ec, v, r)
	}
	return c.renderForm(ec, http.StatusOK, v)
}

// notSubmittedDone is the ?done= of the amend form after "Save and submit"
// saved the request but could not submit it.
const notSubmittedDone = "notsubmitted"

// notSubmitted is the amend form of a request that "Save and submit" saved
// but did not submit, at the request's own address (so that reloading it,
// or going back to it, saves nothing again): it says so, and why, by
// checking the request as submit does without storing anything (the dry
// run's Evaluate: its details, the period against today, the framework
// agreement, the routing policy).
func (c *Console) notSubmitted(ec echo.Context, v formView, r *domain.Request) error {
	v.NotSubmitted = true
	ev, err := c.Requests.Evaluate(ec.Request().Context(), principalOf(ec), r.Details, r.Nation)
	switch {
	case err != nil:
		if err := c.explain(ec, &v, err); err != nil {
			return err
		}
	case !ev.Result.Eligible:
		v.Reasons = ev.Result.Refusals()
	}
	return c.renderForm(ec, http.StatusOK, v)
}

func (c *Console) editView(r *domain.Request, f requestForm) formView {
	return formView{Form: f, ID: r.ID, Named: r.FrameworkID, Version: r.Version, Status: r.Status, Comment: changesComment(r)}
}

// changesComment is the decision that asked for changes, if any.
func changesComment(r *domain.Request) *domain.Decision {
	if r.Status != domain.StatusChangesRequested || r.Route == nil {
		return nil
	}
	for _, s := range r.Route.Stages {
		for i := range s.Decisions {
			if s.Decisions[i].Outcome == domain.OutcomeRequestChanges {
				return &s.Decisions[i]
			}
		}
	}
	return nil
}

func (c *Console) renderForm(ec echo.Context, status int, v formView) error {
	opts, err := c.options(ec)
	if err != nil {
		return err
	}
	v.Opts = opts
	if len(v.Form.Movements) == 0 { // at least one crossing is required: offer its row
		v.Form.Movements = make([]movementRow, 1)
	}
	title := msg("form.new")
	if v.ID != "" {
		title, v.Key = msg("form.edit"), ""
	} else if !validFormKey(v.Key) {
		v.Key = formKey()
	}
	return c.render(ec, status, "form", title, v)
}

func (c *Console) handleNewPost(ec echo.Context) error { return c.formPost(ec, nil) }

func (c *Console) handleEditPost(ec echo.Context) error {
	r, err := c.Requests.GetRequest(ec.Request().Context(), principalOf(ec), ec.Param("id"))
	if err != nil {
		return err
	}
	return c.formPost(ec, r)
}

// formPost handles every button of the form: add or remove a row, check the
// route (stores nothing), save the draft, or save and submit.
func (c *Console) formPost(ec echo.Context, existing *domain.Request) error {
	form, err := ec.FormParams()
	if err != nil {
		return domain.Errorf(domain.CodeBadRequest, "the form could not be read")
	}
	f := parseForm(form)
	v := formView{Form: f, Key: form.Get("form_key")}
	if existing != nil {
		v = c.editView(existing, f)
		v.Version, _ = strconv.Atoi(form.Get("version"))
		if confirmed, err := strconv.Atoi(form.Get("confirm_version")); err == nil {
			v.Version = confirmed // saved over the version the user checked, if it is still current
		}
	}
	action := form.Get("action")
	if v.Form.rowChange(action) {
		return c.renderForm(ec, http.StatusOK, v)
	}
	v.Form = f.compact()
	d, convErrs := v.Form.details()
	if len(convErrs) > 0 {
		v.Errors = requestLabels.errs(convInvalid("the request has invalid fields", convErrs, c.checkDetails(d, convErrs), requestMeasured...).Fields)
		return c.renderForm(ec, http.StatusUnprocessableEntity, v)
	}
	ctx, p := ec.Request().Context(), principalOf(ec)
	if action == "dryrun" {
		// A dry run tells the areas' over-capacity days as submit does,
		// so it takes a token of the create/submit/withdraw limit, as the
		// API's dry run does (docs/security.md, the binary-search probe).
		if err := c.limitCyclesSaying(ec, p, 1, "error.checklimit"); err != nil {
			v.LimitedCheck = true
			return c.formError(ec, v, err) // the form kept, as a refused save keeps it
		}
		ev, err := c.Requests.Evaluate(ctx, p, d, p.Nation)
		if err != nil {
			return c.formError(ec, v, err)
		}
		v.DryRun = &ev
		return c.renderForm(ec, http.StatusOK, v)
	}
	takeCycles := func() error { return c.limitCycles(ec, p, cycles(existing, action)) }
	var r *domain.Request
	if existing == nil {
		sent, err := formSent(action, d)
		if err != nil {
			return err
		}
		// A keyed form takes its tokens once its key is found new, inside
		// the creation (formIdempotency): a form sent again costs none.
		idem := formIdempotency(v.Key, sent, takeCycles)
		if idem == nil {
			if err := takeCycles(); err != nil {
				return c.formError(ec, v, err)
			}
		}
		var replay []byte
		r, replay, err = c.Requests.CreateRequest(ctx, p, d, idem)
		if replay != nil {
			return c.formResent(ec, v, sent, replay)
		}
		if err != nil {
			return c.formError(ec, v, err)
		}
	} else {
		if err := takeCycles(); err != nil {
			return c.formError(ec, v, err)
		}
		r, err = c.Requests.UpdateDetails(ctx, p, existing.ID, v.Version, d)
	}
	if err != nil {
		if existing != nil && (domain.ErrorCode(err) == domain.CodePreconditionFailed || domain.ErrorCode(err) == domain.CodeInvalidTransition) {
			return c.staleAmendment(ec, v, d)
		}
		return c.formError(ec, v, err)
	}
	if action != "submit" {
		return ec.Redirect(http.StatusSeeOther, "/requests/"+r.ID+"?done=saved")
	}
	if _, err := c.Requests.Submit(ctx, p, r.ID, r.Version); err != nil {
		if refusal(err) {
			// Saved but not submitted: the form moves to the saved
			// request's address, which says so and why.
			return ec.Redirect(http.StatusSeeOther, "/requests/"+r.ID+"/edit?done="+notSubmittedDone)
		}
		v = c.editView(r, v.Form)
		return c.formError(ec, v, err)
	}
	return ec.Redirect(http.StatusSeeOther, "/requests/"+r.ID+"?done=submitted")
}

// cycles is how many of the create/submit/withdraw limit's tokens saving
// the form takes, as the API's routes would: a create one, a submit one,
// an amendment (the API's PATCH) none. All are taken before anything is
// saved (a keyed new form's inside its creation), so that over the limit
// nothing is.
func cycles(existing *domain.Request, action string) int {
	n := 0
	if existing == nil {
		n++
	}
	if action == "submit" {
		n++
	}
	return n
}

// requestMeasured are the domain's errors of a request that compare
// fields: the personnel total, which a count typed wrong (left zero)
// makes wrong or right by chance. (The period's days, and a booking's,
// are compared by the domain only when both are given, so a day left
// zero is compared with nothing.)
var requestMeasured = []measured{
	{Field: "personnel", On: []string{"personnel.military", "personnel.civilian", "personnel.contractors"}},
}

// checkDetails is the domain's check of details whose fields conv did
// not convert (left zero), as saving would make it: the details and the
// period against today, every offending field at once (domain.MergeInvalid);
// when the details are wrong only in conv's fields, the period alone.
func (c *Console) checkDetails(d domain.Details, conv []domain.FieldError) error {
	err := domain.ValidateDetails(d, c.Reference)
	timing := domain.ValidateTiming(d, c.Now())
	var de *domain.Error
	if errors.As(err, &de) && len(mergeErrs(conv, de.Fields, requestMeasured)) > len(conv) {
		return domain.MergeInvalid(err, timing)
	}
	return timing
}

// refusal reports whether submit refused the request for what it is (its
// fields, the period against today, the routing policy's answer, or a
// policy that could not decide on it), which the amend form explains.
func refusal(err error) bool {
	switch domain.ErrorCode(err) {
	case domain.CodeInvalid, domain.CodeNotEligible, domain.CodePolicyError:
		return true
	}
	return false
}

// formError shows a domain refusal on the form, keeping every input: a
// field error beside its field, a policy's refusal or a policy that could
// not decide (its words, and the request id to quote) or the rate limit at
// the top; a stale version goes back to the request's page, and anything
// else is the error page.
func (c *Console) formError(ec echo.Context, v formView, err error) error {
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	switch de.Code {
	case domain.CodePolicyError, domain.CodeInvalid, domain.CodeNotEligible:
		if err := c.explain(ec, &v, err); err != nil {
			return err
		}
	case domain.CodePreconditionFailed:
		return ec.Redirect(http.StatusSeeOther, "/requests/"+v.ID+"?done=stale")
	case codeRateLimited: // limitCycles: nothing saved, every input kept
		v.Limited = de.Message
		return c.renderForm(ec, http.StatusTooManyRequests, v)
	default:
		return err
	}
	return c.renderForm(ec, http.StatusUnprocessableEntity, v)
}

// explain puts a refusal of the request on the form: field errors beside
// their fields, a policy's reasons, or a policy that could not decide (its
// words, and the request id to quote). Any other error it returns.
func (c *Console) explain(ec echo.Context, v *formView, err error) error {
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	switch de.Code {
	case domain.CodePolicyError:
		// As the error page does: the cause (the policy's condition and
		// CEL's error) to the log with the request id, the id to the user.
		v.Problem, v.RequestID = de.Message, ec.Response().Header().Get(echo.HeaderXRequestID)
		c.logCause(ec, de, v.RequestID)
	case domain.CodeInvalid:
		v.Errors = requestLabels.errs(de.Fields)
		if len(v.Errors) == 0 {
			v.Errors = requestLabels.errs([]domain.FieldError{{Field: "exercise_name", Message: de.Message}})
		}
	case domain.CodeNotEligible:
		v.Reasons = de.Reasons
	default:
		return err
	}
	return nil
}

// staleAmendment answers an amendment made from an older version of the
// request, or of a request that can no longer be amended: nothing was
// saved, and the form comes back with everything typed, the version it was
// made from, and what the request is now.
func (c *Console) staleAmendment(ec echo.Context, v formView, typed domain.Details) error {
	r, err := c.Requests.GetRequest(ec.Request().Context(), principalOf(ec), v.ID)
	if err != nil {
		return err
	}
	v.Status, v.Comment = r.Status, changesComment(r)
	v.Stale = &staleForm{Version: r.Version, Status: r.Status, UpdatedAt: r.UpdatedAt, Editable: r.Editable()}
	changed := domain.ChangedDetails(r.Details, typed)
	for _, k := range detailParts {
		if _, ok := changed[k]; ok {
			v.Stale.Differs = append(v.Stale.Differs, requestLabels.label(k))
		}
	}
	return c.renderForm(ec, http.StatusConflict, v)
}

// detailParts are the top-level parts of a request's details, in the
// form's order.
var detailParts = []string{"exercise_name", "purpose", "unit", "period", "personnel", "vehicles", "aircraft", "vessels",
	"weapons", "dangerous_goods", "movements", "training_areas", "framework_id", "contact"}
