package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// The inbox page: the signed-in user's own notifications, newest first,
// the unread ones marked in words (not by colour alone), each linking to
// its request when the user may open it; a "Mark read" button per unread
// one and "Mark all read". The header of every signed-in page shows the
// unread count (render, through unreadCount).

const pathInbox = "/inbox"

// inboxPage is how many notifications one page of the inbox shows.
const inboxPage = 25

// inboxWords are the inbox's wording, merged into english (as formWords).
var inboxWords = map[string]string{
	"nav.inbox":         "Inbox",
	"nav.unread":        "unread",
	"inbox.title":       "Inbox",
	"inbox.unread":      "Unread",
	"inbox.countnone":   "You have no unread notifications.",
	"inbox.count":       "unread",
	"inbox.all":         "All notifications",
	"inbox.onlyunread":  "Unread only",
	"inbox.show":        "Show",
	"inbox.markread":    "Mark read",
	"inbox.markall":     "Mark all read",
	"inbox.markallhint": "Marks every notification up to the newest shown, on this page and the older ones; any that arrive after this page was shown stay unread.",
	"inbox.none":        "No notifications.",
	"inbox.noneunread":  "No unread notifications.",
	"inbox.older":       "Older notifications",
	"inbox.received":    "Received",
	"inbox.readat":      "Read",
	"inbox.done.read":   "Marked read.",
	"inbox.done.all":    "All notifications up to the newest shown marked read.",
	"inbox.done.none":   "Nothing was marked read: the page it was sent from was out of date. Check the list and mark again.",
	"inbox.now":         "Now:",
	"inbox.stale":       "No longer needs your decision.",
}

func init() {
	for k, v := range inboxWords {
		english[k] = v
	}
}

// inboxView is the data of the inbox page.
type inboxView struct {
	Items      []domain.InboxItem
	UnreadOnly bool
	Notice     string
	// Back is this page's own address, where the mark-read forms return.
	Back      string
	NextQuery string
	// Upto is the newest notification the reader was shown: the first
	// listed on the first page, carried to the older pages in their
	// address. "Mark all read" marks it and everything older, and not a
	// notification that arrived after the page was shown.
	Upto string
	// Focus is the item a "Mark read" came from, which the page comes
	// back focused on (its fragment, #n-<id>, and autofocus).
	Focus string
	// Near is, per item, the item to focus instead when it leaves the
	// page once read (the unread-only list): the next one, or the one
	// before the last.
	Near map[string]string
}

func (c *Console) handleInbox(ec echo.Context) error {
	p, ctx := principalOf(ec), ec.Request().Context()
	q := domain.InboxQuery{UnreadOnly: ec.QueryParam("unread") == "1", Limit: inboxPage}
	if v := ec.QueryParam("after"); v != "" {
		cur, ok := domain.ParseInboxCursor(v)
		if !ok {
			return badPageParam("after", "is not a position this console wrote")
		}
		q.After = cur
	}
	page, err := c.Inbox.List(ctx, p, q)
	if err != nil {
		return err
	}
	// The unread count is the header's (render), counted once per page.
	v := inboxView{Items: page.Items, UnreadOnly: q.UnreadOnly}
	if u := ec.QueryParam("upto"); q.After != nil && inboxID(u) {
		v.Upto = u // an older page: the newest the reader was shown is on the first
	} else if len(page.Items) > 0 {
		v.Upto = page.Items[0].ID
	}
	uptoQuery := ""
	if q.After != nil {
		uptoQuery = v.Upto
	}
	v.Back = inboxPath(q.UnreadOnly, q.After, uptoQuery)
	switch ec.QueryParam("done") {
	case "read":
		v.Notice = msg("inbox.done.read")
	case "all":
		v.Notice = msg("inbox.done.all")
	case "none":
		v.Notice = msg("inbox.done.none")
	}
	v.Near = make(map[string]string, len(page.Items))
	for i, it := range page.Items {
		switch {
		case i+1 < len(page.Items):
			v.Near[it.ID] = page.Items[i+1].ID
		case i > 0:
			v.Near[it.ID] = page.Items[i-1].ID
		}
	}
	if f := ec.QueryParam("focus"); f != "" {
		for _, it := range page.Items {
			if it.ID == f {
				v.Focus = f
			}
		}
	}
	if page.Next != nil {
		v.NextQuery = inboxPath(q.UnreadOnly, page.Next, v.Upto)
	}
	return c.render(ec, http.StatusOK, "inbox", msg("inbox.title"), v)
}

// handleInboxRead marks one of the user's notifications read and returns to
// the inbox page it was sent from. Another user's notification is not
// found, as in the API.
func (c *Console) handleInboxRead(ec echo.Context) error {
	if err := c.Inbox.MarkRead(ec.Request().Context(), principalOf(ec), ec.Param("id")); err != nil {
		return err
	}
	return ec.Redirect(http.StatusSeeOther, backToItem(ec, ec.Param("id")))
}

// backToItem is the inbox page a "Mark read" of the item id came from,
// focused on that item, or, on the unread-only list that no longer shows
// it, on its neighbour (the form's near), so that a keyboard user keeps
// their place. The focus is only an id: the page focuses it when it lists
// an item of that id.
func backToItem(ec echo.Context, id string) string {
	back := withDone(ec.FormValue("back"), "read")
	if strings.Contains(back, "unread=1") {
		id = ec.FormValue("near")
	}
	if !inboxID(id) {
		return back
	}
	return withDone(ec.FormValue("back"), "read", "focus", id) + "#" + itemAnchor(id)
}

// handleInboxOpen is following an unread notification to its request: a
// POST (a button styled as the subject's link, no script needed) that
// marks the notification read, by the same rule as "Mark read", and then
// goes to the request page named by to. to comes from the form, so only a
// request page of this console is followed; anything else returns to the
// inbox, the notification marked.
func (c *Console) handleInboxOpen(ec echo.Context) error {
	id := ec.Param("id")
	if err := c.Inbox.MarkRead(ec.Request().Context(), principalOf(ec), id); err != nil {
		return err
	}
	if to, ok := requestTarget(ec.FormValue("to")); ok {
		return ec.Redirect(http.StatusSeeOther, to)
	}
	return ec.Redirect(http.StatusSeeOther, backToItem(ec, id))
}

// requestTarget is to when it names a request page of this console
// ("/requests/<id>", nothing more), which the request page's own access
// rules then guard.
func requestTarget(to string) (string, bool) {
	rest, ok := strings.CutPrefix(to, "/requests/")
	if !ok || rest == "" || strings.ContainsAny(rest, "/?#\\%:") || strings.TrimSpace(rest) != rest {
		return "", false
	}
	return domain.RequestPath(rest), true
}

// itemAnchor is the id of an inbox item's heading on the page.
func itemAnchor(id string) string { return "n-" + id }

// handleInboxReadAll marks read the notification named by the form's
// upto, the newest the page showed (inboxView.Upto), and every older one,
// on every page: one that arrived after the page was shown stays unread.
// A form without upto (a page from before the form carried it) marks
// nothing and returns to the page, which says so; an upto that is not one
// of the user's notifications is the 404 page, as for "Mark read".
func (c *Console) handleInboxReadAll(ec echo.Context) error {
	upto := ec.FormValue("upto")
	if upto == "" {
		return ec.Redirect(http.StatusSeeOther, withDone(ec.FormValue("back"), "none"))
	}
	if _, err := c.Inbox.MarkAllRead(ec.Request().Context(), principalOf(ec), upto); err != nil {
		return err
	}
	return ec.Redirect(http.StatusSeeOther, withDone(ec.FormValue("back"), "all"))
}

// inboxID reports whether s can be a notification id carried in an
// address (the outbox's ids: at most 64 characters, none that a URL or
// fragment would need escaped).
func inboxID(s string) bool {
	return s != "" && len(s) <= 64 && !strings.ContainsAny(s, "#?&/%") && domain.CursorPart(s)
}

// unreadCount is the number the header shows. A failure must not take the
// page down with it: it is logged and the header shows no number.
func (c *Console) unreadCount(ec echo.Context, cur *current) string {
	if cur == nil || cur.User.MustChangePassword {
		return ""
	}
	n, err := c.Inbox.Unread(ec.Request().Context(), cur.Principal)
	if err != nil {
		c.Log.Error("unread count", "request_id", ec.Response().Header().Get(echo.HeaderXRequestID), "error", err.Error())
		return ""
	}
	return unreadText(n)
}

// unreadText is an unread count in words: "" for none, "1000+" when the
// count stopped at its bound.
func unreadText(n int64) string {
	switch {
	case n <= 0:
		return ""
	case n >= domain.MaxUnreadCount:
		return strconv.FormatInt(domain.MaxUnreadCount, 10) + "+"
	}
	return strconv.FormatInt(n, 10)
}

// inboxPath is the inbox page with its filter and page, and on an older
// page the newest notification the reader was shown (upto, "" for none).
func inboxPath(unreadOnly bool, after *domain.InboxCursor, upto string) string {
	q := url.Values{}
	if unreadOnly {
		q.Set("unread", "1")
	}
	if after != nil {
		q.Set("after", after.Encode())
		if upto != "" {
			q.Set("upto", upto)
		}
	}
	if len(q) == 0 {
		return pathInbox
	}
	return pathInbox + "?" + q.Encode()
}

// withDone is the inbox page named by back, with the outcome to show. back
// comes from a form, so only the inbox's own filter and page are kept from
// it: a redirect never leaves the inbox.
func withDone(back, done string, extra ...string) string {
	u, err := url.Parse(back)
	q := url.Values{}
	if err == nil && u.Path == pathInbox && u.Host == "" && u.Scheme == "" {
		old := u.Query()
		if old.Get("unread") == "1" {
			q.Set("unread", "1")
		}
		if a := old.Get("after"); a != "" {
			if _, ok := domain.ParseInboxCursor(a); ok {
				q.Set("after", a)
				if u := old.Get("upto"); inboxID(u) {
					q.Set("upto", u)
				}
			}
		}
	}
	q.Set("done", done)
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return pathInbox + "?" + q.Encode()
}

// noticeLine is one line of a notification's body on the inbox page.
type noticeLine struct{ Text, Href string }

// noticeLines splits a notification's body into lines. A link line of the
// service's own (domain.NotificationLink: "Request page: /requests/…",
// "Permit page: …") becomes a link labelled with its name when the user
// may open the request; the e-mail shows the same line as an address.
// Every other line is text, and a link line the user may not follow stays
// text too. The notice's status line names the status in words.
func noticeLines(body string, canOpen bool) []noticeLine {
	lines := strings.Split(body, "\n")
	out := make([]noticeLine, len(lines))
	for i, l := range lines {
		label, target, ok := domain.NotificationLink(l)
		if ok && canOpen && strings.HasPrefix(target, "/requests/") {
			out[i] = noticeLine{Text: label, Href: target}
			continue
		}
		if st, ok := strings.CutPrefix(l, domain.NotificationStatusLabel); ok {
			if words, known := english["status."+st]; known {
				l = domain.NotificationStatusLabel + words // as every other page names a status
			}
		}
		if strings.HasPrefix(l, "  - stage ") || strings.HasPrefix(l, "Stage ") {
			l = stageWords(l) // the service's deadline and reminder lines; a person's lines stay as written
		}
		out[i] = noticeLine{Text: l}
	}
	return out
}
