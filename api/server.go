package api

import (
	"context"
	"log/slog"
	"net/http"

	"exaccess/api/auth"
	"exaccess/domain"
	"exaccess/internal/historycursor"

	"github.com/labstack/echo/v4"
)

// Deps are what the API needs from the rest of the program.
type Deps struct {
	Tokens     *auth.Tokens
	Requests   *domain.RequestService
	Approvals  *domain.ApprovalService
	Frameworks *domain.FrameworkService
	Refusals   *domain.RefusalLog
	Users      UserLookup
	// Accounts manages accounts (administrators, password changes,
	// sign-in failures and locks, identity-provider subjects).
	Accounts *domain.UserService
	// Inbox is every user's own console inbox (their notifications).
	Inbox *domain.InboxService
	// Notifications holds each user's notification settings and webhooks.
	Notifications *domain.NotificationService
	// Principals is the revocation check every token passes after its
	// signature; nil checks nothing (serve always sets it).
	Principals *domain.AccountCache
	Reference  *domain.ReferenceData
	OpenAPI    []byte // the OpenAPI document served at /api/v1/openapi.yaml
	Log        *slog.Logger
	// Audit is the verifiable audit log: checkpoints, proofs, events, exports.
	Audit domain.AuditLog
	// Permits signs the permits of approved requests and tells their status.
	Permits domain.Permits
	// Metrics, when set, are observed on every request and served at /metrics.
	Metrics *Metrics
	// Ready reports whether the process can serve (database, schema, policy).
	Ready func(ctx context.Context) error
	// Components, when set, are the last results of background checks of
	// dependencies (the mail server), reported by /readyz without failing it.
	Components func() map[string]Component

	// IdP verifies tokens of an external identity provider besides the
	// server's own; nil accepts only the server's own tokens.
	IdP *auth.IdP
	// Limiter enforces rate limits; nil limits nothing (serve always sets one).
	Limiter *RateLimiter
	// ClientAddress tells a client's address for the limits; nil is the TCP
	// peer, never a header.
	ClientAddress echo.IPExtractor

	// Console, when set, is the web console mounted on the same server
	// (package web): it registers its own routes and renders its own errors.
	Console Console
}

// Console is a user interface mounted beside the API on the same Echo
// server, behind the same request id, access log, security headers and
// recovery middleware.
type Console interface {
	// Register adds the console's routes, each with its own access check.
	Register(e *echo.Echo)
	// HandleError renders err as a page when the request is the console's,
	// and reports whether it did; otherwise the API's problem+json is written.
	HandleError(err error, c echo.Context) bool
}

// UserLookup finds an account for sign-in.
type UserLookup interface {
	GetUserByUsername(ctx context.Context, username string) (*domain.User, error)
}

// Server is the HTTP API.
type Server struct {
	Deps
	echo *echo.Echo
	// unlimited are the routes the table exempts from rate limits, by
	// "METHOD path"; register fills it.
	unlimited map[string]bool
	// historyCursors seals the history's cursors (history.go).
	historyCursors *historycursor.Sealer
}

// New builds the API with every route of the route table registered.
func New(d Deps) *Server {
	s := &Server{Deps: d, unlimited: map[string]bool{}}
	s.historyCursors = historycursor.ForTokens(d.Tokens)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(d.Log)
	if d.Console != nil {
		apiErrors := e.HTTPErrorHandler
		e.HTTPErrorHandler = func(err error, c echo.Context) {
			if !d.Console.HandleError(err, c) {
				apiErrors(err, c)
			}
		}
	}
	e.IPExtractor = d.ClientAddress
	if e.IPExtractor == nil { // Echo's fallback would believe X-Forwarded-For
		e.IPExtractor = ClientAddress(nil)
	}
	e.Use(withRequestID)
	if d.Metrics != nil {
		e.Use(withMetrics(d.Metrics))
	}
	e.Use(withAccessLog(d.Log), withSecurityHeaders, withRecover, withAddressText, d.Limiter.middleware(s.unlimitedRoute))
	s.register(e, s.routes())
	if d.Console != nil {
		d.Console.Register(e)
	}
	s.echo = e
	return s
}

// Handler returns the http.Handler that serves the API.
func (s *Server) Handler() http.Handler { return s.echo }

// Routes lists the registered method and path pairs, for tests and docs.
func (s *Server) Routes() []*echo.Route { return s.echo.Routes() }
