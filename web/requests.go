package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// listView is the data of the request list.
type listView struct {
	Items     []domain.Request
	Status    string
	Area      string
	Next      string
	Statuses  []domain.Status
	Areas     []option
	Liaison   bool
	NextQuery string
	First     string // the first page's address, on a later page
}

// handleMyRequests lists a liaison officer's nation's requests, or every
// request for approvers and auditors, newest first, with filters: every
// request the reader may see (domain.Request.Visible), so an approver's
// never holds a draft.
func (c *Console) handleMyRequests(ec echo.Context) error {
	p := principalOf(ec)
	v := listView{Status: ec.QueryParam("status"), Area: ec.QueryParam("area"), Liaison: p.IsLiaison(),
		Statuses: []domain.Status{domain.StatusDraft, domain.StatusInReview, domain.StatusChangesRequested,
			domain.StatusApproved, domain.StatusRejected, domain.StatusWithdrawn, domain.StatusRevoked, domain.StatusExpired}}
	if !domain.SeesUnsubmitted(p) && v.Status != string(domain.StatusDraft) {
		// Drafts are their nation's working copies, which this reader's
		// list never holds (domain.Request.Visible): no filter for them.
		v.Statuses = slices.DeleteFunc(v.Statuses, func(s domain.Status) bool { return s == domain.StatusDraft })
	}
	f := domain.RequestFilter{Area: v.Area, After: ec.QueryParam("after"), Limit: 50}
	if v.Status != "" {
		st, ok := domain.ParseStatus(v.Status)
		if !ok {
			return domain.Errorf(domain.CodeBadRequest, "unknown status filter")
		}
		f.Status = st
	}
	if f.Area != "" {
		if _, ok := c.Reference.TrainingArea(f.Area); !ok {
			return domain.Errorf(domain.CodeBadRequest, "unknown training area filter")
		}
	}
	page, err := c.Requests.ListRequests(ec.Request().Context(), p, f)
	if err != nil {
		return err
	}
	v.Items = page.Items
	if page.NextAfter != "" {
		v.NextQuery = "?status=" + v.Status + "&area=" + v.Area + "&after=" + page.NextAfter
	}
	if f.After != "" {
		v.First = firstPage("/requests", "status", v.Status, "area", v.Area)
	}
	v.Areas = areaChoices(c.Reference)
	title := msg("list.title")
	if p.IsLiaison() {
		title = msg("list.mine")
	}
	return c.render(ec, http.StatusOK, "list", title, v)
}

// detailView is the data of a request's page.
type detailView struct {
	R         *domain.Request
	Notice    string
	Warn      string
	Comment   *domain.Decision
	History   historyPage // the page of the history shown
	Conflicts []domain.AreaConflict
	Bookings  []domain.Booking // other requests' bookings on this request's areas and period
	Decide    *decideForm
	// DecideWhy says why an approver is offered no decision form.
	DecideWhy string
	CanRevoke bool
	Liaison   bool
	Errors    []fieldErr
	Reasons   []string
	// Reason is the reason typed in the withdraw or revoke form, kept
	// when it was refused.
	Reason string
	// Rows are the history in words: the page of History.
	Rows []historyRow
	// Warnings are the request's warnings this page lists under
	// "Warnings": for approvers, the area ones are left to "Conflicts",
	// which checks the bookings as they are now (each sentence once); for
	// the liaison officer of a request in review or approved, the blackout
	// one is left to Closed, which is the areas as they are now.
	Warnings []domain.Warning
	// Closed are the liaison officer's sentences of the blackout days, as
	// the areas are now, that the request's own bookings cover: a day an
	// administrator closed after submission or approval shows here.
	Closed []string
	// ClosedPermit: the request is approved and some of its booked days
	// are closed now; its permit, signed at approval, still lists them.
	ClosedPermit bool
	// Lapse is, for an approver, the warning that the agreement the
	// request took the fast track on no longer covers it
	// (domain.FrameworkLapseWarning): shown in the decision area, not
	// under "Warnings".
	Lapse string
	// Framework names the framework agreement the request names
	// (namedFramework), "" when it names none.
	Framework string
}

// Approvals says how far an active stage is: "1 of 2 approvals".
func (v detailView) Approvals(s domain.Stage) string {
	unit := "approvals"
	if s.ApprovalsRequired == 1 {
		unit = "approval"
	}
	return fmt.Sprintf(msg("req.stageapprovals"), s.Approvals(), s.ApprovalsRequired, unit)
}

// StageDue is the deadline of a stage in words. An active (or decided)
// stage's deadline is the binding one, set when the stage started: its
// working days from then. A pending stage's is an estimate, made at
// submission as if each stage before it took its full time; the binding
// one is set when it starts, so it moves earlier when those finish sooner
// and later when they run late. A stage that never started (cancelled when
// the request left review before its turn) has no deadline to show: its
// estimate never became one.
func (v detailView) StageDue(s domain.Stage) string {
	if s.DueAt == nil || s.Status == domain.StageCancelled && s.ActivatedAt == nil {
		return ""
	}
	if s.Status == domain.StagePending {
		days := "working days"
		if s.SLAWorkingDays == 1 {
			days = "working day"
		}
		return fmt.Sprintf(msg("req.stageexpected"), stockholmTime(*s.DueAt), s.SLAWorkingDays, days)
	}
	return msg("req.stagedue") + " " + stockholmTime(*s.DueAt)
}

// Estimated reports whether the request's overall due date is still an
// estimate: some stage has not started.
func (v detailView) Estimated() bool {
	return v.R.Route != nil && slices.ContainsFunc(v.R.Route.Stages, func(s domain.Stage) bool { return s.Status == domain.StagePending })
}

// E is the error of one field of the page's forms.
func (v detailView) E(field string) string { return fieldError(v.Errors, field) }

// ReasonField is the reason of the withdraw or revoke form, named by its
// field path (name, "revoke.reason") and sent as "reason".
func (v detailView) ReasonField(name, label string) field {
	return field{Type: "text", Name: name, Param: "reason", Label: label, Value: v.Reason, Err: v.E(name)}
}

// notices are the outcomes a redirect may name in ?done=.
var notices = map[string]string{"saved": "form.saved", "submitted": "req.submitted", "decided": "decide.recorded",
	"withdrawn": "req.withdrawn", "revoked": "revoke.done", "resent": "form.resent"}

func (c *Console) handleRequestPage(ec echo.Context) error {
	v, err := c.detail(ec, ec.Param("id"))
	if err != nil {
		return err
	}
	if k, ok := notices[ec.QueryParam("done")]; ok {
		if k == "form.saved" && v.R.Status == domain.StatusChangesRequested {
			k = "form.savedamend" // an amendment, not a draft: the review waits for it
		}
		v.Notice = msg(k)
	}
	if ec.QueryParam("done") == "stale" {
		v.Warn = msg("req.stalechange")
	}
	return c.render(ec, http.StatusOK, "request", v.R.ExerciseName, v)
}

// detail loads everything a request's page shows to the caller. Another
// nation's request is not found, as in the API.
func (c *Console) detail(ec echo.Context, id string) (*detailView, error) {
	ctx, p := ec.Request().Context(), principalOf(ec)
	r, err := c.Requests.GetRequest(ctx, p, id)
	if err != nil {
		return nil, err
	}
	v := &detailView{R: r, Comment: changesComment(r), Liaison: p.IsLiaison()}
	if v.History, err = c.history(ec, p, r); err != nil {
		return nil, err
	}
	v.Rows = historyRows(v.History.Entries, r)
	v.Warnings = r.Warnings
	if v.Framework, err = c.namedFramework(ec, p, r); err != nil {
		return nil, err
	}
	booked := slices.Contains(domain.BookingStatuses, r.Status) && len(r.TrainingAreas) > 0
	if p.IsLiaison() && booked {
		if v.Closed, err = c.closedDays(ec, r); err != nil {
			return nil, err
		}
		v.Warnings = withoutCodes(v.Warnings, "area_blackout")
		v.ClosedPermit = r.Status == domain.StatusApproved && len(v.Closed) > 0
	}
	if !p.IsLiaison() {
		if v.Conflicts, v.Bookings, err = c.conflicts(ec, r); err != nil {
			return nil, err
		}
		if len(r.TrainingAreas) > 0 { // the page's "Conflicts" owns the area warnings
			v.Warnings = withoutCodes(v.Warnings, "area_capacity", "area_blackout")
		}
		v.ClosedPermit = booked && r.Status == domain.StatusApproved &&
			slices.ContainsFunc(v.Conflicts, func(c domain.AreaConflict) bool { return len(c.Blackout) > 0 })
		if w, ok := domain.LapseWarning(r); ok {
			v.Lapse = w.Message
			v.Warnings = withoutCodes(v.Warnings, domain.CodeFrameworkNotApplicable)
		}
		if v.Decide, v.DecideWhy, err = c.decideFormFor(ec, r); err != nil {
			return nil, err
		}
		// The domain's rule of a revocation: an approved permit whose period
		// has not ended.
		v.CanRevoke = domain.RevokeRefusal(r, c.Now()) == nil && p.HasAnyRole(domain.RoleOperations, domain.RoleMinistry)
	}
	return v, nil
}

// closedDays are the sentences of the blackout days that r's bookings
// cover, with the areas as they are now (domain.Closures; an administrator
// may have closed days since r was approved): what the request's page and
// its permit page say under "Closed days".
func (c *Console) closedDays(ec echo.Context, r *domain.Request) ([]string, error) {
	areas, err := c.Frameworks.TrainingAreas(ec.Request().Context())
	if err != nil {
		return nil, err
	}
	var out []string
	for _, cl := range domain.Closures(r, areas) {
		out = append(out, domain.NationMessage(cl.Label(), nil, cl.Blackout))
	}
	return out, nil
}

// withoutCodes are ws without the warnings of the given codes.
func withoutCodes(ws []domain.Warning, codes ...string) []domain.Warning {
	return slices.DeleteFunc(slices.Clone(ws), func(w domain.Warning) bool { return slices.Contains(codes, w.Code) })
}

// conflicts checks the request's bookings against the others on its areas,
// and returns those others.
func (c *Console) conflicts(ec echo.Context, r *domain.Request) ([]domain.AreaConflict, []domain.Booking, error) {
	if len(r.TrainingAreas) == 0 {
		return nil, nil, nil
	}
	areas := map[string]domain.TrainingArea{}
	var others []domain.Booking
	for _, b := range r.TrainingAreas {
		if _, done := areas[b.Area]; done {
			continue
		}
		a, bs, err := c.Frameworks.Bookings(ec.Request().Context(), principalOf(ec), b.Area, r.Period.Start, r.Period.End)
		if err != nil {
			return nil, nil, err
		}
		areas[b.Area] = *a
		for _, o := range bs {
			if o.RequestID != r.ID {
				others = append(others, o)
			}
		}
	}
	cs := domain.Deconflict(r, areas, domain.BookingLoad(others, r.ID))
	domain.NameOthers(cs, others, r.ID) // an approver's page names the requests involved
	return cs, others, nil
}

// permitView is the data of the permit page.
type permitView struct {
	R        *domain.Request
	MayMove  bool
	From, To time.Time
	// QR is the signed permit as a QR code, for an approved request.
	QR template.HTML
	// Unsigned says why an approved request's page has no signed permit:
	// the server's key was superseded (a domain.CodeUnavailable refusal).
	Unsigned string
	// Reason is why a withdrawn request was withdrawn or a revoked permit
	// revoked, as the request's history and the notice tell it.
	Reason string
	// Closed are the sentences of the blackout days, as the areas are now,
	// that an approved request's bookings cover: days an administrator
	// closed after approval, which the signed permit still lists. The
	// same sentences as the request page's "Closed days" (domain.Closures).
	Closed []string
}

// handlePermit shows, in one glance, whether the unit may move.
func (c *Console) handlePermit(ec echo.Context) error {
	r, err := c.Requests.GetRequest(ec.Request().Context(), principalOf(ec), ec.Param("id"))
	if err != nil {
		return err
	}
	v := permitView{R: r, MayMove: r.Status.AuthorizesMovement(), From: r.Period.Start, To: r.Period.End}
	if r.Status == domain.StatusRevoked || r.Status == domain.StatusWithdrawn {
		h, err := c.Approvals.History(ec.Request().Context(), principalOf(ec), r.ID, lastReasonQuery)
		if err != nil {
			return err
		}
		v.Reason = lastReason(h.Entries)
	}
	if r.Status == domain.StatusApproved && len(r.TrainingAreas) > 0 {
		if v.Closed, err = c.closedDays(ec, r); err != nil {
			return err
		}
	}
	if r.Status == domain.StatusApproved && c.Permits != nil {
		signed, err := c.Permits.Permit(ec.Request().Context(), r)
		var de *domain.Error
		switch {
		case errors.As(err, &de) && de.Code == domain.CodeUnavailable:
			// The server may not sign now (its key was superseded): the
			// page still says whether the unit may move, with why the
			// signed copy is missing; the download answers 503.
			v.Unsigned = de.Message
		case err != nil:
			return err
		default:
			if v.QR, err = qrSVG(signed, msg("permit.qrlabel")); err != nil {
				c.Log.Warn("permit too long for a QR code", "reference", r.Reference, "bytes", len(signed))
			}
		}
	}
	return c.render(ec, http.StatusOK, "permit", msg("permit.title")+" "+r.Reference, v)
}

// handlePermitDownload serves the signed permit as a file, as GET
// /api/v1/requests/{id}/permit does; the same need-to-know rule applies.
func (c *Console) handlePermitDownload(ec echo.Context) error {
	r, err := c.Requests.GetRequest(ec.Request().Context(), principalOf(ec), ec.Param("id"))
	if err != nil {
		return err
	}
	if c.Permits == nil {
		return domain.ErrNotFound("permit")
	}
	signed, err := c.Permits.Permit(ec.Request().Context(), r)
	if err != nil {
		return err
	}
	ec.Response().Header().Set("Cache-Control", "no-store")
	ec.Response().Header().Set("Content-Disposition", `attachment; filename="permit-`+r.Reference+`.txt"`)
	return ec.Blob(http.StatusOK, echo.MIMETextPlainCharsetUTF8, []byte(signed))
}

func (c *Console) handleSubmit(ec echo.Context) error {
	if err := c.limitCycles(ec, principalOf(ec), 1); err != nil {
		return c.afterAction(ec, err, actionSubmit)
	}
	version, _ := strconv.Atoi(ec.FormValue("version"))
	_, err := c.Requests.Submit(ec.Request().Context(), principalOf(ec), ec.Param("id"), version)
	return c.afterAction(ec, err, actionSubmit)
}

func (c *Console) handleWithdraw(ec echo.Context) error {
	if !confirmed(ec) {
		return c.confirmRequestAction(ec, actionWithdraw)
	}
	if err := c.limitCycles(ec, principalOf(ec), 1); err != nil {
		return c.afterAction(ec, err, actionWithdraw)
	}
	version, _ := strconv.Atoi(ec.FormValue("version"))
	_, err := c.Requests.Withdraw(ec.Request().Context(), principalOf(ec), ec.Param("id"), version, ec.FormValue("reason"))
	return c.afterAction(ec, err, actionWithdraw)
}

// pageAction is a button of a request's page: the notice it leaves
// (?done=), the banner of its refusal, and where its errors go.
type pageAction struct {
	done, notValid string
	// form names the page's form whose "reason" the domain's errors are
	// about ("withdraw.reason"); "" for submit, whose errors are about
	// the request's details, whose fields are on the amend form.
	form string
}

var (
	actionSubmit   = pageAction{done: "submitted", notValid: "req.notvalid"}
	actionWithdraw = pageAction{done: "withdrawn", notValid: "req.notwithdrawn", form: "withdraw"}
	actionRevoke   = pageAction{done: "revoked", notValid: "revoke.not", form: "revoke"}
)

// afterAction answers a button on a request's page: back to the page, with
// a stale version, a refusal or the rate limit shown on it rather than on
// the error page.
// A refused reason is named and linked as the field on the page, beside
// which its error is, with what was typed.
func (c *Console) afterAction(ec echo.Context, err error, a pageAction) error {
	id := ec.Param("id")
	if err == nil {
		return ec.Redirect(http.StatusSeeOther, "/requests/"+id+"?done="+a.done)
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	switch de.Code {
	case domain.CodePreconditionFailed, domain.CodeInvalidTransition:
		if de.Code == domain.CodeInvalidTransition && a.form != "" {
			v, lerr := c.detail(ec, id)
			if lerr != nil {
				return lerr
			}
			// At the version the form was rendered at, nothing changed
			// meanwhile: the request's status (or a permit's ended period)
			// does not allow the action. The domain's words say so, with
			// the reason typed.
			if v.R.Version == versionOf(ec) {
				v.Warn, v.Reason = msg(a.notValid)+": "+de.Message, ec.FormValue("reason")
				return c.render(ec, http.StatusConflict, "request", v.R.ExerciseName, v)
			}
		}
		return ec.Redirect(http.StatusSeeOther, "/requests/"+id+"?done=stale")
	case codeRateLimited: // limitCycles: nothing done; the page says when to try again, with the reason typed
		v, lerr := c.detail(ec, id)
		if lerr != nil {
			return lerr
		}
		v.Warn, v.Reason = de.Message, ec.FormValue("reason")
		return c.render(ec, http.StatusTooManyRequests, "request", v.R.ExerciseName, v)
	case domain.CodeInvalid, domain.CodeNotEligible:
		v, lerr := c.detail(ec, id)
		if lerr != nil {
			return lerr
		}
		fes := slices.Clone(de.Fields)
		for i := range fes {
			if a.form != "" {
				fes[i].Field = a.form + "." + fes[i].Field
			}
		}
		v.Errors, v.Reasons, v.Warn, v.Reason = requestLabels.errs(fes), de.Reasons, msg(a.notValid), ec.FormValue("reason")
		if len(v.Errors) == 0 && len(v.Reasons) == 0 { // a refusal of no field: its own words
			v.Warn += ": " + de.Message
		}
		if a.form == "" {
			for i := range v.Errors { // the request's fields are on the amend form
				v.Errors[i].Href = "/requests/" + v.R.ID + "/edit#" + v.Errors[i].Anchor
			}
		}
		return c.render(ec, http.StatusUnprocessableEntity, "request", v.R.ExerciseName, v)
	}
	return err
}
