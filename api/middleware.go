package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

const (
	ctxPrincipal = "principal"
	ctxRequestID = "request_id"
)

// withRequestID gives every request a fresh id for logs and error reports.
// An id sent by the client is not trusted: it could forge log lines.
func withRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		c.Set(ctxRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

func requestID(c echo.Context) string {
	id, _ := c.Get(ctxRequestID).(string)
	return id
}

// withSecurityHeaders sets the headers every response carries. API answers
// hold movement data of many nations: never cached, never framed.
func withSecurityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if c.Request().TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		return next(c)
	}
}

// withAddressText refuses a request whose path parameters or query values
// hold a NUL byte or bytes that are not UTF-8, before any handler looks
// them up. No stored id, reference or value contains such text, and
// PostgreSQL refuses it in a query outright ("invalid byte sequence"),
// which would answer 500 where SQLite answers 404. A path parameter so
// spelt names nothing: 404. A query value is the caller's input: 422
// naming the parameter.
func withAddressText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for _, v := range c.ParamValues() {
			if !addressText(v) {
				return domain.Errorf(domain.CodeNotFound, "nothing has an address holding a NUL byte or bytes that are not UTF-8")
			}
		}
		var bad []domain.FieldError
		for name, vs := range c.QueryParams() {
			if !addressText(name) {
				return domain.Errorf(domain.CodeInvalid, "a query parameter's name holds a NUL byte or bytes that are not UTF-8")
			}
			for _, v := range vs {
				if !addressText(v) {
					bad = append(bad, domain.FieldError{Field: name, Message: "holds a NUL byte or bytes that are not UTF-8"})
					break
				}
			}
		}
		if len(bad) > 0 {
			slices.SortFunc(bad, func(a, b domain.FieldError) int { return strings.Compare(a.Field, b.Field) })
			return &domain.Error{Code: domain.CodeInvalid, Message: "query parameters that are not text", Fields: bad}
		}
		return next(c)
	}
}

// addressText: s is UTF-8 and holds no NUL byte.
func addressText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// withRecover turns a panic in a handler into an internal error: the caller
// gets the generic 500 problem with the request id, the log gets the panic,
// and the process goes on serving others.
func withRecover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r) // the client went away; net/http handles it
				}
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// withAccessLog writes one structured line per request: no headers, no bodies.
func withAccessLog(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			attrs := []any{"request_id", requestID(c), "method", c.Request().Method, "route", c.Path(),
				"status", c.Response().Status, "duration_ms", float64(time.Since(start).Microseconds()) / 1000}
			if p, ok := c.Get(ctxPrincipal).(domain.Principal); ok {
				attrs = append(attrs, "user", p.Subject)
			}
			log.Info("http", attrs...)
			return nil
		}
	}
}

// authorize enforces a route's access declaration: a valid bearer token, and
// one of the declared roles. No token or a bad one is 401; a good token with
// the wrong role is 403.
func (s *Server) authorize(a access) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if a.public {
				return next(c)
			}
			p, err := s.authenticate(c.Request().Context(), c.Request().Header.Get(echo.HeaderAuthorization))
			if err != nil {
				return err
			}
			c.Set(ctxPrincipal, p)
			if err := s.Limiter.user(c, p.Subject); err != nil {
				return err
			}
			if p.MustChangePassword && !a.passwordChange {
				return domain.Errorf(domain.CodePasswordChange,
					"this token was issued for a one-time password: choose a new one with POST /api/v1/me/password first")
			}
			if a.cycle {
				if err := s.Limiter.cycle(c, p.Subject); err != nil {
					return err
				}
			}
			if a.restricted() && !a.admits(p) {
				err = domain.Errorf(domain.CodeForbidden, "your role may not do this")
			} else {
				err = next(c)
			}
			if a.onRequest {
				s.recordRefusal(c, p, err)
			}
			return err
		}
	}
}

// recordRefusal logs a failed authorization on an existing request in the
// audit log: who tried what. The route table marks the routes on one
// request (access.onRequest); they carry its id.
func (s *Server) recordRefusal(c echo.Context, p domain.Principal, cause error) {
	id := c.Param("id")
	if cause == nil || id == "" {
		return
	}
	ctx := context.WithoutCancel(c.Request().Context())
	if err := s.Refusals.Record(ctx, p, id, c.Request().Method+" "+c.Path(), cause); err != nil {
		s.Log.Error("record refusal", "request_id", requestID(c), "error", err.Error())
	}
}

// authenticate proves the caller by the bearer token: its signature and
// claims, then the account behind it (enabled, same generation).
func (s *Server) authenticate(ctx context.Context, header string) (domain.Principal, error) {
	const prefix = "bearer "
	if len(header) < len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return domain.Principal{}, domain.Errorf(domain.CodeUnauthorized, "sign in: send Authorization: Bearer <token> from POST /api/v1/auth/token")
	}
	raw := strings.TrimSpace(header[len(prefix):])
	p, err := s.Tokens.Verify(raw)
	if err != nil && s.IdP != nil {
		p, err = s.IdP.Verify(raw) // an organisation's IdP, configured by JWKS
	}
	if err != nil {
		return domain.Principal{}, domain.Errorf(domain.CodeUnauthorized, "the token is invalid or expired")
	}
	if err := s.checkAccount(ctx, p); err != nil {
		return domain.Principal{}, err
	}
	return p, nil
}

// checkAccount refuses a principal whose account was disabled or changed
// since its token was issued. A subject of the identity provider gets its
// account row first, and the account records the claims of every token
// that its copy (AccountCache, at most AccountMaxAge old) does not hold:
// other roles or another nation, or a newer issue time. EnsureExternal
// judges on the row itself, and refuses a token older than the claims the
// account took last (domain.JudgeClaims). A token issued no later than the
// second an administrator last disabled or enabled its account
// (domain.TokenEnded) records nothing and is refused.
func (s *Server) checkAccount(ctx context.Context, p domain.Principal) error {
	if s.Principals == nil {
		return nil
	}
	if p.External && s.Accounts != nil {
		st, err := s.Principals.State(ctx, p.Subject)
		if err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
			return err
		}
		if err != nil || st.External && !st.Holds(p) && !st.Ended(p) {
			if err := s.Accounts.EnsureExternal(ctx, p); err != nil {
				return err
			}
			s.Principals.Forget(p.Subject)
		}
	}
	return s.Principals.ValidPrincipal(ctx, p)
}

// principal returns the caller proven by authorize.
func principal(c echo.Context) domain.Principal {
	p, _ := c.Get(ctxPrincipal).(domain.Principal)
	return p
}
