package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"exaccess/domain"
	"exaccess/internal/historycursor"

	"github.com/labstack/echo/v4"
)

type historyEntryJSON struct {
	// Index is the entry's place in the whole audit log, for auditors
	// and approvers; a liaison officer's answer leaves it out, since the
	// gaps between a request's indexes count every other nation's entries.
	Index          *int64         `json:"index,omitempty"`
	At             time.Time      `json:"at"`
	Actor          string         `json:"actor"`
	ActingFor      string         `json:"acting_for,omitempty"`
	Action         string         `json:"action"`
	RequestVersion int            `json:"request_version"`
	Data           map[string]any `json:"data"`
}

// handleRequestHistory lists the recorded changes of a request, oldest
// first, or with order=newest newest first: each transition, edit and
// decision with who, when and the comment. It pages like every list
// (limit, cursor, next_cursor), except that without limit a page holds the
// most a page may (200): a client written when the whole history came in
// one answer still gets the whole of an ordinary one, and next_cursor says
// when there is more. A cursor continues the walk of its own order only,
// and of its own request only: one of another request's walk is 422
// naming cursor, as one altered is, not a page of this history from a
// place in another's.
func (s *Server) handleRequestHistory(c echo.Context) error {
	q := newQuery(c)
	hq := domain.HistoryQuery{Limit: domain.MaxHistoryPage}
	if q.values.Get("limit") != "" {
		hq.Limit = q.limit()
	}
	orderOK := true
	switch order := q.values.Get("order"); order {
	case "", historyOldest:
	case historyNewest:
		hq.Newest = true
	default:
		orderOK = false
		q.bad("order", "must be "+historyOldest+" or "+historyNewest+", not "+strconv.Quote(order))
	}
	requestID, err := s.historyRequestID(c)
	if err != nil {
		return err
	}
	if hc, ok := cursor(q, s.openHistoryCursor(requestID)); ok && orderOK {
		if hc.Newest != hq.Newest {
			q.bad("cursor", "continues a walk with order="+cursorOrder(hc)+"; pass that order with it, or start again without the cursor")
		} else {
			hq.Cursor = &hc.Index
		}
	}
	if err := q.err(); err != nil {
		return err
	}
	page, err := s.Approvals.History(c.Request().Context(), principal(c), c.Param("id"), hq)
	if err != nil {
		return err
	}
	showIndex := !principal(c).IsLiaison()
	out := listResponse[historyEntryJSON]{Items: []historyEntryJSON{}}
	for _, e := range page.Entries {
		data := e.Data
		if data == nil {
			data = map[string]any{}
		}
		item := historyEntryJSON{At: e.At, Actor: e.Actor, ActingFor: e.ActingFor,
			Action: e.Action, RequestVersion: e.RequestVersion, Data: data}
		if showIndex {
			item.Index = &e.Index
		}
		out.Items = append(out.Items, item)
	}
	if hq.Newest { // the domain's page is oldest first, whatever the walk
		slices.Reverse(out.Items)
	}
	if page.Next != nil {
		next := s.sealHistoryCursor(page.RequestID, historyCursor{Index: *page.Next, Newest: hq.Newest})
		out.NextCursor = &next
	}
	return c.JSON(http.StatusOK, out)
}

// The orders of a history walk (the parameter order).
const (
	historyOldest = "oldest"
	historyNewest = "newest"
)

// historyCursor is where a walk of a history goes on. It leaves the server
// only sealed (historycursor), as the console's "older entries" links do.
type historyCursor = historycursor.Cursor

// cursorOrder is the value of the parameter order that walks h's way.
func cursorOrder(h historyCursor) string {
	if h.Newest {
		return historyNewest
	}
	return historyOldest
}

// sealHistoryCursor seals h for the request with id request
// (HistoryPage.RequestID): it opens for that request only.
func (s *Server) sealHistoryCursor(request string, h historyCursor) string {
	return s.historyCursors.Seal(request, h)
}

// openHistoryCursor opens the cursors of the request with id request.
func (s *Server) openHistoryCursor(request string) func(string) (historyCursor, bool) {
	return func(v string) (historyCursor, bool) { return s.historyCursors.Open(request, v) }
}

// historyRequestID is the id of the request whose history c asks for, which
// its cursor must have been sealed for. The path names a request by its id
// or by its reference: an id is itself (a request is found by it exactly),
// a reference is read for its request's id only when a cursor comes with
// it, so that a cursor walks on whichever way the request is named; a
// request the caller may not see is 404 then, as it is without a cursor.
func (s *Server) historyRequestID(c echo.Context) (string, error) {
	id := c.Param("id")
	if !domain.IsReference(id) || c.QueryParam("cursor") == "" {
		return id, nil
	}
	r, err := s.Requests.GetRequest(c.Request().Context(), principal(c), id)
	if err != nil {
		return "", err
	}
	return r.ID, nil
}
