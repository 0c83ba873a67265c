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

// The caller's own notifications: the console inbox, through the API. Every
// route acts on the caller's rows only; another user's notification id is
// 404, like an id that names nothing.

type notificationJSON struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	RequestID string     `json:"request_id"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

type notificationListJSON struct {
	Items      []notificationJSON `json:"items"`
	NextCursor *string            `json:"next_cursor"`
	Unread     int64              `json:"unread"`
}

type unreadJSON struct {
	Unread int64 `json:"unread"`
}

type readAllJSON struct {
	Marked int64 `json:"marked"`
	Unread int64 `json:"unread"`
}

// handleMyNotifications lists a page of the caller's notifications, newest
// first, with the number still unread.
func (s *Server) handleMyNotifications(c echo.Context) error {
	q := newQuery(c)
	iq := domain.InboxQuery{Limit: q.limit()}
	if v := q.values.Get("unread"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			q.bad("unread", "must be true or false")
		}
		iq.UnreadOnly = b
	}
	if v := q.values.Get("cursor"); v != "" {
		cur, ok := decodeInboxCursor(v)
		if !ok {
			q.bad("cursor", badCursor)
		}
		iq.After = cur
	}
	if err := q.err(); err != nil {
		return err
	}
	ctx, p := c.Request().Context(), principal(c)
	page, err := s.Inbox.List(ctx, p, iq)
	if err != nil {
		return err
	}
	unread, err := s.Inbox.Unread(ctx, p)
	if err != nil {
		return err
	}
	out := notificationListJSON{Items: make([]notificationJSON, 0, len(page.Items)), Unread: unread}
	for _, it := range page.Items {
		out.Items = append(out.Items, notificationJSON{ID: it.ID, Kind: it.Kind, Subject: it.Subject, Body: it.Body,
			RequestID: it.RequestID, CreatedAt: it.CreatedAt, ReadAt: it.ReadAt})
	}
	if page.Next != nil {
		cur := encodeInboxCursor(*page.Next)
		out.NextCursor = &cur
	}
	return c.JSON(http.StatusOK, out)
}

// handleMyNotificationRead marks one of the caller's notifications read.
func (s *Server) handleMyNotificationRead(c echo.Context) error {
	ctx, p := c.Request().Context(), principal(c)
	if err := s.Inbox.MarkRead(ctx, p, c.Param("id")); err != nil {
		return err
	}
	unread, err := s.Inbox.Unread(ctx, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, unreadJSON{Unread: unread})
}

// handleMyNotificationsReadAll marks every unread notification of the
// caller read.
func (s *Server) handleMyNotificationsReadAll(c echo.Context) error {
	ctx, p := c.Request().Context(), principal(c)
	marked, err := s.Inbox.MarkAllRead(ctx, p)
	if err != nil {
		return err
	}
	unread, err := s.Inbox.Unread(ctx, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, readAllJSON{Marked: marked, Unread: unread})
}

const inboxCursorPrefix = "n1|"

// An inbox cursor holds the keyset position (created_at, id) of the last
// item seen; the caller's own inbox is selected afresh on every page, so a
// tampered cursor can skip but never reach another user's rows.
func encodeInboxCursor(c domain.InboxCursor) string {
	raw := inboxCursorPrefix + c.CreatedAt.UTC().Format(time.RFC3339Nano) + "|" + c.ID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeInboxCursor(s string) (*domain.InboxCursor, bool) {
	if len(s) > 256 {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	rest, ok := strings.CutPrefix(string(b), inboxCursorPrefix)
	at, id, found := strings.Cut(rest, "|")
	if !ok || !found || id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return nil, false
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil || t.UTC().Year() < 1 || t.UTC().Year() > 9999 {
		return nil, false // a time this server could never have written
	}
	return &domain.InboxCursor{CreatedAt: t, ID: id}, true
}
