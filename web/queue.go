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
	for _, r := range domain.ApproverRoles() {
		if p.HasRole(r) {
			v.Roles = append(v.Roles, r)
		}
	}
	v.Nations = nationChoices(c.Reference)
	return c.render(ec, http.StatusOK, "queue", msg("queue.title"), v)
}
