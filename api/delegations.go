package api

import (
	"net/http"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

type delegationInput struct {
	To     string `json:"to"`
	Role   string `json:"role"`
	Starts string `json:"starts"`
	Ends   string `json:"ends"`
}

type delegationJSON struct {
	ID        string     `json:"id"`
	From      string     `json:"from"`
	To        string     `json:"to"`
	Role      string     `json:"role"`
	Starts    time.Time  `json:"starts"`
	Ends      time.Time  `json:"ends"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	// Active: the delegation runs and counts — its delegate may decide the
	// role's stages and is told of them. Otherwise InactiveReason says
	// why (domain.InactiveReasons), null while active.
	Active         bool    `json:"active"`
	InactiveReason *string `json:"inactive_reason"`
}

func toDelegationJSON(l domain.ListedDelegation) delegationJSON {
	d := l.Delegation
	out := delegationJSON{ID: d.ID, From: d.From, To: d.To, Role: string(d.Role), Starts: d.Starts, Ends: d.Ends,
		CreatedAt: d.CreatedAt, RevokedAt: d.RevokedAt, Active: l.GivesRole()}
	if !out.Active {
		out.InactiveReason = &l.InactiveReason
	}
	return out
}

// handleDelegationCreate lets the caller's role be exercised by another
// approver for a period.
func (s *Server) handleDelegationCreate(c echo.Context) error {
	body, err := readBody(c, false)
	if err != nil {
		return err
	}
	var in delegationInput
	if err := decodeStrict(body, &in, []string{"id", "from", "created_at", "revoked_at", "active", "inactive_reason"}); err != nil {
		return err
	}
	p := &dateParser{}
	want := domain.DelegationInput{To: in.To, Role: domain.Role(in.Role), Starts: p.instant("starts", in.Starts), Ends: p.instant("ends", in.Ends)}
	if len(p.errs) > 0 {
		return &domain.Error{Code: domain.CodeInvalid, Message: "the delegation has invalid fields", Fields: p.errs}
	}
	render := func(created any) (storedResponse, error) {
		d := created.(*domain.ListedDelegation)
		return jsonResponse(http.StatusCreated, "/api/v1/delegations/"+d.ID, "", toDelegationJSON(*d))
	}
	if want.Key, err = keyedCreate(c, body, render); err != nil {
		return err
	}
	d, err := s.Approvals.CreateDelegation(c.Request().Context(), principal(c), want)
	if err != nil {
		return err
	}
	if want.Key != nil && want.Key.Replay != nil {
		return writeStored(c, want.Key.Replay)
	}
	out, err := render(d)
	if err != nil {
		return err
	}
	return writeResponse(c, out)
}

// handleDelegationList answers one page of the delegations the caller may
// list, newest first, with the cursor of the next (null on the last).
func (s *Server) handleDelegationList(c echo.Context) error {
	q := newQuery(c)
	f := domain.DelegationFilter{Limit: q.limit()}
	f.After, _ = cursor(q, decodeCursor)
	if err := q.err(); err != nil {
		return err
	}
	page, err := s.Approvals.DelegationPage(c.Request().Context(), principal(c), f)
	if err != nil {
		return err
	}
	out := listResponse[delegationJSON]{Items: []delegationJSON{}}
	for _, d := range page.Items {
		out.Items = append(out.Items, toDelegationJSON(d))
	}
	if page.NextAfter != "" {
		next := encodeCursor(page.NextAfter)
		out.NextCursor = &next
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) handleDelegationRevoke(c echo.Context) error {
	d, err := s.Approvals.RevokeDelegation(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toDelegationJSON(*d))
}
