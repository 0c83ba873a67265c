package api

import (
	"encoding/base64"
	"net/http"
	"slices"
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
// first, or with order=newest newest first: each transition, edit and
// decision with who, when and the comment. It pages like every list
// (limit, cursor, next_cursor), except that without limit a page holds the
// most a page may (200): a client written when the whole history came in
// one answer still gets the whole of an ordinary one, and next_cursor says
// when there is more. A cursor continues the walk of its own order only.
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
	if hc, ok := cursor(q, decodeHistoryCursor); ok && orderOK {
		if hc.newest != hq.Newest {
			q.bad("cursor", "continues a walk with order="+hc.order()+"; pass that order with it, or start again without the cursor")
		} else {
			hq.Cursor = &hc.idx
		}
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
	if hq.Newest { // the domain's page is oldest first, whatever the walk
		slices.Reverse(out.Items)
	}
	if page.Next != nil {
		next := encodeHistoryCursor(historyCursor{idx: *page.Next, newest: hq.Newest})
		out.NextCursor = &next
	}
	return c.JSON(http.StatusOK, out)
}

// The orders of a history walk (the parameter order).
const (
	historyOldest = "oldest"
	historyNewest = "newest"
)

// The prefixes of a history cursor: a walk oldest first (as every cursor
// issued before order existed), and newest first.
const (
	historyCursorPrefix       = "h1:"
	historyNewestCursorPrefix = "h1n:"
)

// historyCursor is where a walk of a history goes on: past the entry with
// index idx, towards newer entries, or with newest towards older ones.
type historyCursor struct {
	idx    int64
	newest bool
}

// order is the value of the parameter order that walks the cursor's way.
func (h historyCursor) order() string {
	if h.newest {
		return historyNewest
	}
	return historyOldest
}

// A history cursor holds the index of the last entry seen and the order of
// the walk; the request, the caller's right to read it and what they may
// see of it are checked afresh on every page.
func encodeHistoryCursor(h historyCursor) string {
	prefix := historyCursorPrefix
	if h.newest {
		prefix = historyNewestCursorPrefix
	}
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.FormatInt(h.idx, 10)))
}

func decodeHistoryCursor(s string) (historyCursor, bool) {
	if len(s) > 64 {
		return historyCursor{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return historyCursor{}, false
	}
	var h historyCursor
	digits, ok := strings.CutPrefix(string(b), historyCursorPrefix)
	if !ok {
		if digits, ok = strings.CutPrefix(string(b), historyNewestCursorPrefix); !ok {
			return historyCursor{}, false
		}
		h.newest = true
	}
	idx, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || idx < 0 || strconv.FormatInt(idx, 10) != digits {
		return historyCursor{}, false
	}
	h.idx = idx
	return h, true
}
