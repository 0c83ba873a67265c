package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"exaccess/domain"
	"exaccess/internal/afterstatus"
	"exaccess/internal/historycursor"

	"github.com/labstack/echo/v4"
)

// UserLookup finds an account by username: for sign-in, and again on every
// request of a session (see sessionUser).
type UserLookup interface {
	GetUserByUsername(ctx context.Context, username string) (*domain.User, error)
}

// SessionStore keeps the console's sessions on the server (storage.DB).
type SessionStore interface {
	CreateSession(ctx context.Context, s domain.Session) error
	GetSession(ctx context.Context, id string) (*domain.Session, error)
	DeleteSession(ctx context.Context, id string) error
	// SetSessionFlash keeps text for the session's next page;
	// TakeSessionFlash returns the rest of it once and clears it, only
	// when it starts with prefix, in one step ("" when none waits or it is
	// another page's, which stays untouched).
	SetSessionFlash(ctx context.Context, id, text string) error
	TakeSessionFlash(ctx context.Context, id, prefix string) (string, error)
}

// Deps are what the console needs from the rest of the program: the same
// services the API calls.
type Deps struct {
	Requests   *domain.RequestService
	Approvals  *domain.ApprovalService
	Frameworks *domain.FrameworkService
	Users      UserLookup
	// Accounts counts failed sign-ins (the per-account lock), changes
	// passwords and administers accounts, as for the API.
	Accounts *domain.UserService
	// Inbox is the signed-in user's own notifications (the inbox page and
	// the unread count in every page's header).
	Inbox *domain.InboxService
	// Principals is the API's check of an account's generation and disabled
	// flag, run on every request of a session.
	Principals *domain.AccountCache
	// Notifications holds each user's notification settings and webhooks
	// (settings.go).
	Notifications *domain.NotificationService
	Sessions      SessionStore
	Reference     *domain.ReferenceData
	Audit         domain.AuditLog
	// Permits signs the permit of an approved request (its QR code and
	// download); nil shows neither.
	Permits domain.Permits
	// Limits are the API's per-user rate limits, which the console's forms
	// draw from as the API's routes do (limits.go); nil limits nothing.
	Limits Limits
	// Refusals records refused attempts on a request in the audit log, as
	// the API does; nil records nothing.
	Refusals *domain.RefusalLog
	// HistoryCursors seals the position in the "older entries" link of a
	// request's history (history.go), as the API seals its history's
	// cursors, with the same key (historycursor.ForTokens); nil is a
	// random key, whose links no other process opens.
	HistoryCursors *historycursor.Sealer
	Log            *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// SessionTTL is how long a session lasts after sign-in; 0 is 8 hours.
	SessionTTL time.Duration
	// SecureCookies marks the session cookie Secure even on plain HTTP: set
	// it when the server sits behind a TLS-terminating proxy. Over TLS the
	// cookie is always Secure.
	SecureCookies bool
}

// Console is the web console. It implements api.Console.
type Console struct {
	Deps
	pages  *pages
	static *staticFiles
	cop    *http.CrossOriginProtection
}

// New parses every template and hashes every static file; an error here
// must stop the boot.
func New(d Deps) (*Console, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.SessionTTL == 0 {
		d.SessionTTL = 8 * time.Hour
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.HistoryCursors == nil {
		d.HistoryCursors = historycursor.New(nil)
	}
	if d.Accounts == nil || d.Principals == nil {
		return nil, errors.New("web: Deps.Accounts and Deps.Principals are required (sign-in and the session check)")
	}
	if d.Inbox == nil {
		return nil, errors.New("web: Deps.Inbox is required (every page's header shows the unread count)")
	}
	if d.Notifications == nil {
		return nil, errors.New("web: Deps.Notifications is required (every page's header links to the notification settings)")
	}
	st, err := loadStatic()
	if err != nil {
		return nil, err
	}
	c := &Console{Deps: d, static: st, cop: http.NewCrossOriginProtection()}
	if c.pages, err = parsePages(c.funcs()); err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	return c, nil
}

// Register adds the console's route table to e.
func (c *Console) Register(e *echo.Echo) {
	for _, r := range c.routes() {
		if !r.access.declared() {
			panic(fmt.Sprintf("web: route %s %s declares no access", r.method, r.path))
		}
		e.Add(r.method, r.path, r.handler, c.guard(r.access))
	}
}

// apiPrefixes are the paths whose errors stay problem+json.
var apiPrefixes = []string{"/api/", "/.well-known/", "/healthz", "/readyz", "/metrics"}

// owns reports whether a request belongs to the console rather than the API.
func owns(path string) bool {
	for _, p := range apiPrefixes {
		if strings.HasPrefix(path, p) {
			return false
		}
	}
	return true
}

// HandleError renders the one error page for the console's requests.
func (c *Console) HandleError(err error, ec echo.Context) bool {
	if !owns(ec.Request().URL.Path) {
		return false
	}
	if ec.Response().Committed {
		// No page can follow a status line already sent; the error must
		// not vanish, so it goes to the log (at INFO when the browser
		// went away: nothing is wrong with the server then).
		c.Log.Log(ec.Request().Context(), afterstatus.Level(err), "error after the response began",
			"request_id", ec.Response().Header().Get(echo.HeaderXRequestID),
			"method", ec.Request().Method, "route", ec.Path(), "error", err.Error())
		return true
	}
	c.renderError(ec, err)
	return true
}
