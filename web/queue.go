package web

import (
	"errors"
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
	First     string     // the first page's address, on a later page
	Errors    []fieldErr // the filter's (a role the queue refuses)
}

// E is the error of one of the filter's fields.
func (v queueView) E(field string) string { return fieldError(v.Errors, field) }

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
		overdue := ""
		if v.Overdue {
			overdue = "on"
		}
		v.First = firstPage("/queue", "role", v.Role, "nation", v.Nation, "overdue", overdue)
	}
	ctx := ec.Request().Context()
	// The filter offers the roles the queue accepts: held, or by a
	// running delegation.
	roles, err := c.Approvals.QueueRoles(ctx, p)
	if err != nil {
		return err
	}
	v.Roles, v.Nations = roles, nationChoices(c.Reference)
	page, _, err := c.Approvals.Queue(ctx, p, q)
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.CodeInvalid {
		// A role refused (a bookmark kept after a delegation ended): the
		// domain's words on the filter's field, the form still there.
		v.Errors = queueLabels.errs(de.Fields)
		if len(v.Errors) == 0 {
			v.Errors = queueLabels.errs([]domain.FieldError{{Field: "role", Message: de.Message}})
		}
		return c.render(ec, statusOf[de.Code], "queue", msg("queue.title"), v)
	}
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
	return c.render(ec, http.StatusOK, "queue", msg("queue.title"), v)
}
