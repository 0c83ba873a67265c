package api

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

type historyEntryJSON struct {
	Index          int64          `json:"index"`
	At             time.Time      `json:"at"`
	Actor          string         `json:"actor"`
	ActingFor      string         `json:"acting_for,omitempty"`
	Action         string         `json:"action"`
	RequestVersion int            `json:"request_version"`
	Data           map[string]any `json:"data"`
}

// handleRequestHistory lists the recorded changes of a request, oldest
// first: each transition, edit and decision with who, when and the
// comment. It pages like every list (limit, cursor, next_cursor), except
// that without limit a page holds the most a page may (200): a client
// written when the whole history came in one answer still gets the whole
// of an ordinary one, and next_cursor says when there is more.
func (s *Server) handleRequestHistory(c echo.Context) error {
	q := newQuery(c)
	hq := domain.HistoryQuery{Limit: domain.MaxHistoryPage}
	if q.values.Get("limit") != "" {
		hq.Limit = q.limit()
	}
	if idx, ok := cursor(q, decodeHistoryCursor); ok {
		hq.Cursor = &idx
	}
	if err := q.err(); err != nil {
		return err
	}
	page, err := s.Approvals.History(c.Request().Context(), principal(c), c.Param("id"), hq)
	if err != nil {
		return err
	}
	out := listResponse[historyEntryJSON]{Items: []historyEntryJSON{}}
	for _, e := range page.Entries {
		data := e.Data
		if data == nil {
			data = map[string]any{}
		}
		out.Items = append(out.Items, historyEntryJSON{Index: e.Index, At: e.At, Actor: e.Actor, ActingFor: e.ActingFor,
			Action: e.Action, RequestVersion: e.RequestVersion, Data: data})
	}
	if page.Next != nil {
		next := encodeHistoryCursor(*page.Next)
		out.NextCursor = &next
	}
	return c.JSON(http.StatusOK, out)
}

const historyCursorPrefix = "h1:"

// A history cursor holds the index of the last entry seen; the request,
// the caller's right to read it and what they may see of it are checked
// afresh on every page.
func encodeHistoryCursor(idx int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(historyCursorPrefix + strconv.FormatInt(idx, 10)))
}

func decodeHistoryCursor(s string) (int64, bool) {
	if len(s) > 64 {
		return 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	digits, ok := strings.CutPrefix(string(b), historyCursorPrefix)
	if !ok {
		return 0, false
	}
	idx, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || idx < 0 || strconv.FormatInt(idx, 10) != digits {
		return 0, false
	}
	return idx, true
}
