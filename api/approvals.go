package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

type decisionInput struct {
	Stage      string   `json:"stage"`
	Outcome    string   `json:"outcome"`
	Comment    string   `json:"comment"`
	Conditions []string `json:"conditions"`
	// OverrideReason approves despite a training-area conflict; audited.
	OverrideReason string `json:"override_reason"`
}

type revokeInput struct {
	Reason string `json:"reason"`
}

// handleDecisionCreate records one approver's decision on one stage.
func (s *Server) handleDecisionCreate(c echo.Context) error {
	version, body, err := readChange(c)
	if err != nil {
		return err
	}
	var in decisionInput
	if err := decodeStrict(body, &in, nil); err != nil {
		return err
	}
	p := principal(c)
	render := func(created any) (storedResponse, error) {
		r := created.(*domain.Request)
		return jsonResponse(http.StatusOK, "", etag(r.Version), s.requestFor(p, r))
	}
	key, err := keyedCreate(c, body, render)
	if err != nil {
		return err
	}
	r, err := s.Approvals.Decide(c.Request().Context(), p, c.Param("id"), version,
		domain.DecisionInput{Stage: in.Stage, Outcome: in.Outcome, Comment: in.Comment, Conditions: in.Conditions,
			OverrideReason: in.OverrideReason, Key: key})
	if err != nil {
		return err
	}
	if key != nil && key.Replay != nil {
		return writeStored(c, key.Replay)
	}
	s.Metrics.decided(in.Outcome)
	out, err := render(r)
	if err != nil {
		return err
	}
	return writeResponse(c, out)
}

func (s *Server) handleRequestRevoke(c echo.Context) error {
	var in revokeInput
	version, err := decodeChange(c, &in)
	if err != nil {
		return err
	}
	r, err := s.Approvals.Revoke(c.Request().Context(), principal(c), c.Param("id"), version, in.Reason)
	if err != nil {
		return err
	}
	return s.writeRequest(c, http.StatusOK, r)
}

type queueItemJSON struct {
	RequestID         string     `json:"request_id"`
	Reference         *string    `json:"reference"`
	RequestVersion    int        `json:"request_version"`
	Nation            string     `json:"nation"`
	ExerciseName      string     `json:"exercise_name"`
	Period            periodJSON `json:"period"`
	Stage             string     `json:"stage"`
	Role              string     `json:"role"`
	ApprovalsRequired int        `json:"approvals_required"`
	Approvals         int        `json:"approvals"`
	ActivatedAt       *time.Time `json:"activated_at"`
	DueAt             time.Time  `json:"due_at"`
	Overdue           bool       `json:"overdue"`
}

// handleQueueList lists the active stages the caller may decide, oldest
// deadline first.
func (s *Server) handleQueueList(c echo.Context) error {
	q, err := queueQuery(c, s.Reference)
	if err != nil {
		return err
	}
	page, now, err := s.Approvals.Queue(c.Request().Context(), principal(c), q)
	if err != nil {
		return err
	}
	out := listResponse[queueItemJSON]{Items: []queueItemJSON{}}
	for _, it := range page.Items {
		out.Items = append(out.Items, queueItemJSON{RequestID: it.RequestID, Reference: optional(it.Reference),
			RequestVersion: it.RequestVersion, Nation: it.Nation, ExerciseName: it.ExerciseName,
			Period: periodJSON{domain.DateString(it.Period.Start), domain.DateString(it.Period.End)}, Stage: it.StageID,
			Role: string(it.Role), ApprovalsRequired: it.ApprovalsRequired, Approvals: it.Approvals,
			ActivatedAt: it.ActivatedAt, DueAt: it.DueAt, Overdue: it.DueAt.Before(now)})
	}
	if page.Next != nil {
		cur := encodeQueueCursor(*page.Next)
		out.NextCursor = &cur
	}
	return c.JSON(http.StatusOK, out)
}

func queueQuery(c echo.Context, ref domain.Reference) (domain.QueueQuery, error) {
	q := newQuery(c)
	qq := domain.QueueQuery{Limit: q.limit(), Nation: q.nation(ref)}
	if v := q.values.Get("role"); v != "" {
		r, ok := domain.ParseRole(v)
		if !ok || !r.IsApprover() {
			q.bad("role", "must be an approver role: "+strings.Join(roleNames(domain.ApproverRoles()), ", "))
		}
		qq.Role = r
	}
	if v := q.values.Get("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			q.bad("overdue", "must be true or false")
		}
		qq.OverdueOnly = b
	}
	qq.After, _ = cursor(q, decodeQueueCursor)
	return qq, q.err()
}
