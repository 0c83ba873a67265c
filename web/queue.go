package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// queueView is the data of the approver's queue.
type queueView struct {
	Items     []domain.QueueItem
	Role      string
	Nation    string
	Overdue   bool
	Roles     []domain.Role
	Nations   []option
	NextQuery string
}

// handleQueue lists the stages waiting for the caller, oldest deadline
// first; the overdue ones are marked.
func (c *Console) handleQueue(ec echo.Context) error {
	p := principalOf(ec)
	v := queueView{Role: ec.QueryParam("role"), Nation: strings.ToUpper(ec.QueryParam("nation")), Overdue: ec.QueryParam("overdue") == "on"}
	q := domain.QueueQuery{Role: domain.Role(v.Role), Nation: v.Nation, OverdueOnly: v.Overdue, Limit: 50}
	if due := ec.QueryParam("after_due"); due != "" {
		t, ok := domain.CursorTime(due)
		if !ok { // as the API's queue cursor
			return badPageParam("after_due", "is not a time this console wrote")
		}
		q.After = &domain.QueueCursor{DueAt: t, RequestID: ec.QueryParam("after_req"), StageID: ec.QueryParam("after_stage")}
	}
	page, _, err := c.Approvals.Queue(ec.Request().Context(), p, q)
	if err != nil {
		return err
	}
	v.Items = page.Items
	if n := page.Next; n != nil {
		qs := url.Values{"role": {v.Role}, "nation": {v.Nation}, "after_due": {n.DueAt.Format(time.RFC3339Nano)},
			"after_req": {n.RequestID}, "after_stage": {n.StageID}}
		if v.Overdue {
			qs.Set("overdue", "on")
		}
		v.NextQuery = "?" + qs.Encode()
	}
	for _, r := range domain.ApproverRoles {
		if p.HasRole(r) {
			v.Roles = append(v.Roles, r)
		}
	}
	for _, n := range c.Reference.Nations {
		v.Nations = append(v.Nations, option{n.Code, n.Name})
	}
	return c.render(ec, http.StatusOK, "queue", msg("queue.title"), v)
}

// delegationView is the data of the delegations page.
type delegationView struct {
	Items  []domain.ListedDelegation
	Roles  []domain.Role
	Form   delegationForm
	Errors []fieldErr
}

type delegationForm struct{ To, Role, Starts, Ends string }

// E is the error of one field.
func (v delegationView) E(field string) string {
	for _, e := range v.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

func (c *Console) handleDelegations(ec echo.Context) error {
	return c.renderDelegations(ec, http.StatusOK, delegationView{})
}

func (c *Console) renderDelegations(ec echo.Context, status int, v delegationView) error {
	p := principalOf(ec)
	list, err := c.Approvals.ListDelegations(ec.Request().Context(), p)
	if err != nil {
		return err
	}
	v.Items = list
	for _, r := range domain.ApproverRoles {
		if p.HasRole(r) {
			v.Roles = append(v.Roles, r)
		}
	}
	return c.render(ec, status, "delegations", msg("deleg.title"), v)
}

func (c *Console) handleDelegationCreate(ec echo.Context) error {
	f := delegationForm{To: strings.TrimSpace(ec.FormValue("to")), Role: ec.FormValue("role"),
		Starts: strings.TrimSpace(ec.FormValue("starts")), Ends: strings.TrimSpace(ec.FormValue("ends"))}
	var conv converter
	in := domain.DelegationInput{To: f.To, Role: domain.Role(f.Role), Starts: conv.date("starts", f.Starts), Ends: conv.date("ends", f.Ends)}
	if !in.Ends.IsZero() {
		in.Ends = in.Ends.AddDate(0, 0, 1) // the last day given is included
	}
	err := error(nil)
	if len(conv.errs) > 0 {
		err = &domain.Error{Code: domain.CodeInvalid, Message: "the delegation is not valid", Fields: conv.errs}
	} else {
		_, err = c.Approvals.CreateDelegation(ec.Request().Context(), principalOf(ec), in)
	}
	if err == nil {
		return ec.Redirect(http.StatusSeeOther, "/delegations")
	}
	de, ok := err.(*domain.Error)
	if !ok || de.Code != domain.CodeInvalid {
		return err
	}
	return c.renderDelegations(ec, http.StatusUnprocessableEntity, delegationView{Form: f, Errors: toFieldErrs(de.Fields)})
}

func (c *Console) handleDelegationRevoke(ec echo.Context) error {
	if _, err := c.Approvals.RevokeDelegation(ec.Request().Context(), principalOf(ec), ec.Param("id")); err != nil {
		return err
	}
	return ec.Redirect(http.StatusSeeOther, "/delegations")
}
