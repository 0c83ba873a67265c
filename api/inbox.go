package api

import (
	"net/http"
	"strconv"
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
	iq.After, _ = cursor(q, domain.ParseInboxCursor)
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
		cur := page.Next.Encode()
		out.NextCursor = &cur
	}
	return c.JSON(http.StatusOK, out)
}

// handleMyNotificationRead marks one of the caller's notifications read.
func (s *Server) handleMyNotificationRead(c echo.Context) error {
	if err := noBody(c); err != nil {
		return err
	}
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

// readAllInput is the optional body of mark all read.
type readAllInput struct {
	// Upto is the id of the newest notification the caller listed: only
	// it and older ones are marked ("" for every one).
	Upto string `json:"upto"`
}

// handleMyNotificationsReadAll marks every unread notification of the
// caller read, or with upto that one and every older one: a notification
// that arrived after the caller listed upto stays unread.
func (s *Server) handleMyNotificationsReadAll(c echo.Context) error {
	body, err := readBody(c, true)
	if err != nil {
		return err
	}
	var in readAllInput
	if body != nil {
		if err := decodeStrict(body, &in, nil); err != nil {
			return err
		}
	}
	ctx, p := c.Request().Context(), principal(c)
	marked, err := s.Inbox.MarkAllRead(ctx, p, in.Upto)
	if err != nil {
		return err
	}
	unread, err := s.Inbox.Unread(ctx, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, readAllJSON{Marked: marked, Unread: unread})
}
