package api

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"exaccess/api/auth"
	"exaccess/domain"

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
	if hc, ok := cursor(q, s.openHistoryCursor); ok && orderOK {
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
		next := s.sealHistoryCursor(historyCursor{idx: *page.Next, newest: hq.Newest})
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
// see of it are checked afresh on every page. The index is an entry's place
// in the whole audit log, which a liaison officer must not learn (the gaps
// count other nations' entries), so the cursor is sealed (AES-GCM under a
// key derived from the token signing key, historyCursorKeyLabel): opaque
// to every caller, and a cursor altered or made up is refused. Every
// replica signs with the same key and so opens another's cursors; a new
// signing key makes the old cursors "not a cursor of this list" (a client
// starts its walk again).
func encodeHistoryCursor(h historyCursor) string {
	prefix := historyCursorPrefix
	if h.newest {
		prefix = historyNewestCursorPrefix
	}
	return prefix + strconv.FormatInt(h.idx, 10)
}

func decodeHistoryCursor(s string) (historyCursor, bool) {
	var h historyCursor
	digits, ok := strings.CutPrefix(s, historyCursorPrefix)
	if !ok {
		if digits, ok = strings.CutPrefix(s, historyNewestCursorPrefix); !ok {
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

// historyCursorKeyLabel names the key the history's cursors are sealed
// with (auth.Tokens.DeriveKey).
const historyCursorKeyLabel = "exaccess-history-cursor/v1"

// maxSealedCursor bounds a cursor before any work is done on it: a sealed
// one is 12 bytes of nonce, at most 24 of text and 16 of tag, 70 characters.
const maxSealedCursor = 96

// historyCursorKey is the key of the history's cursors: derived from the
// token signing key, or random when there is none (a server that issues
// and accepts no tokens of its own, in tests).
func historyCursorKey(t *auth.Tokens) []byte {
	if t != nil {
		return t.DeriveKey(historyCursorKeyLabel)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return key
}

func newCursorSealer(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

func (s *Server) sealHistoryCursor(h historyCursor) string {
	nonce := make([]byte, s.historyCursors.NonceSize(), s.historyCursors.NonceSize()+40)
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(s.historyCursors.Seal(nonce, nonce, []byte(encodeHistoryCursor(h)), nil))
}

func (s *Server) openHistoryCursor(v string) (historyCursor, bool) {
	if len(v) > maxSealedCursor {
		return historyCursor{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	n := s.historyCursors.NonceSize()
	if err != nil || len(b) < n {
		return historyCursor{}, false
	}
	text, err := s.historyCursors.Open(nil, b[:n], b[n:], nil)
	if err != nil {
		return historyCursor{}, false
	}
	return decodeHistoryCursor(string(text))
}
