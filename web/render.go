package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pages are the parsed templates: each page is the layout with its own
// "content" block.
type pages struct{ byName map[string]*template.Template }

func parsePages(funcs template.FuncMap) (*pages, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		name := path.Base(n)
		if name == "layout.html" || name == "partials.html" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFiles, n)
		if err != nil {
			return nil, err
		}
		p.byName[strings.TrimSuffix(name, ".html")] = t
	}
	for _, must := range []string{"error", "signin", "home"} {
		if p.byName[must] == nil {
			return nil, errors.New("missing template " + must)
		}
	}
	return p, nil
}

// view is what every page template gets.
type view struct {
	Title string
	Cur   *current
	Nonce string
	CSRF  string
	Data  any
	// Unread is the number of the signed-in user's unread notifications
	// for the header ("3", "1000+"), "" for none.
	Unread string
}

// HasRole is for the start page's links.
func (v view) HasRole(r string) bool { return v.Cur != nil && v.Cur.Principal.HasRole(domain.Role(r)) }

// IsApprover reports whether the signed-in user holds an approver role, a
// built-in one or one the routing policy adds.
func (v view) IsApprover() bool { return v.Cur != nil && v.Cur.Principal.IsApprover() }

// navLink is one link of the header's navigation.
type navLink struct{ Href, Label string }

// Nav is the header's links for the signed-in user's roles, in the order
// of the roles' own pages, each address once: an approver who also
// administers has one "Delegations", an approver who also audits one
// "Requests".
func (v view) Nav() []navLink {
	if v.Cur == nil {
		return nil
	}
	p := v.Cur.Principal
	var out []navLink
	add := func(href, label string) {
		if !slices.ContainsFunc(out, func(l navLink) bool { return l.Href == href }) {
			out = append(out, navLink{href, label})
		}
	}
	approver, auditor := p.IsApprover(), p.HasRole(domain.RoleAuditor)
	requests := msg("nav.requests") // a liaison officer's own
	if approver || auditor {
		requests = msg("nav.allreqs")
	}
	if p.HasRole(domain.RoleLiaison) {
		add("/requests", requests)
		add("/requests/new", msg("nav.new"))
	}
	if approver {
		add("/queue", msg("nav.queue"))
		add("/requests", requests)
		add("/delegations", msg("nav.delegation"))
	}
	if auditor {
		add("/requests", requests)
		add("/audit", msg("nav.audit"))
		add("/delegations", msg("nav.delegation"))
	}
	inbox := msg("nav.inbox")
	if v.Unread != "" {
		inbox += " (" + v.Unread + " " + msg("nav.unread") + ")"
	}
	add(pathInbox, inbox)
	if p.HasRole(domain.RoleAdmin) {
		add("/admin", msg("nav.admin"))
		add("/admin/users", msg("nav.users"))
		add("/delegations", msg("nav.delegation"))
	}
	return out
}

const ctxNonce = "console_nonce"

// pageHeaders sets the console's headers, replacing the API's: a strict CSP
// whose only scripts are those carrying this response's nonce.
func (c *Console) pageHeaders(ec echo.Context) {
	nonce := randomToken()
	ec.Set(ctxNonce, nonce)
	h := ec.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; style-src 'self'; "+
		"img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// render writes the named page with status.
func (c *Console) render(ec echo.Context, status int, name, title string, data any) error {
	t := c.pages.byName[name]
	if t == nil {
		return errors.New("web: no page " + name)
	}
	v := view{Title: title, Cur: currentOf(ec), Data: data}
	v.Nonce, _ = ec.Get(ctxNonce).(string)
	if v.Cur != nil {
		v.CSRF = v.Cur.Session.CSRF
		v.Unread = c.unreadCount(ec, v.Cur)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return err
	}
	return ec.HTMLBlob(status, buf.Bytes())
}

// Errors of the console itself.
var (
	errCrossOrigin = domain.Errorf(domain.CodeForbidden, "this form was sent from another site and was refused")
	errBadToken    = domain.Errorf(domain.CodeForbidden, "this form has expired or was not sent from this console; go back, reload the page and try again")
	errFormTooBig  = domain.Errorf(domain.CodeTooLarge, "the form is too large (at most 1 MiB); nothing was saved")
)

// errorView is the data of the one error page.
type errorView struct {
	Status    int
	Heading   string
	Detail    string
	RequestID string
	// Quote shows the request id to quote: an internal error, or a refusal
	// whose cause went to the log (a policy that could not decide).
	Quote bool
}

// statusOf is the HTTP status of an error code on a page.
var statusOf = map[string]int{
	domain.CodeInvalid: http.StatusUnprocessableEntity, domain.CodeBadRequest: http.StatusBadRequest,
	domain.CodeNotFound: http.StatusNotFound, domain.CodeConflict: http.StatusConflict,
	domain.CodeInvalidTransition: http.StatusConflict, domain.CodeAreaConflict: http.StatusConflict,
	domain.CodeFrameworkNotApplicable: http.StatusConflict,
	domain.CodeNotEligible:            http.StatusUnprocessableEntity, domain.CodeUnauthorized: http.StatusUnauthorized,
	domain.CodeForbidden: http.StatusForbidden, domain.CodeSeparationOfDuties: http.StatusForbidden,
	domain.CodePreconditionFailed: http.StatusConflict, domain.CodePolicyError: http.StatusUnprocessableEntity,
	codeRateLimited:     http.StatusTooManyRequests, // the API's limiter, in front of every page, and limits.go
	domain.CodeTooLarge: http.StatusRequestEntityTooLarge, codeUnsupportedMedia: http.StatusUnsupportedMediaType,
	domain.CodeUnavailable: http.StatusServiceUnavailable, // a permit this server may not sign now (its key was superseded)
}

// renderError writes the one error page. Internal errors are logged with
// the request id and shown only as that id.
// logCause logs the cause of a refusal that carries one (a policy that
// could not decide), with the request id the page shows the user: as the
// API's error funnel, the cause to the log, the id to the user.
func (c *Console) logCause(ec echo.Context, de *domain.Error, requestID string) {
	c.Log.Error("refused: "+de.Code, "request_id", requestID, "method", ec.Request().Method,
		"route", ec.Path(), "error", fmt.Sprint(de.Cause))
}

func (c *Console) renderError(ec echo.Context, err error) {
	if ec.Get(ctxNonce) == nil {
		c.pageHeaders(ec)
	}
	if currentOf(ec) == nil {
		if cur, lerr := c.loadSession(ec); lerr == nil && cur != nil {
			ec.Set(ctxCurrent, cur)
		}
	}
	ev := errorView{RequestID: ec.Response().Header().Get(echo.HeaderXRequestID)}
	var de *domain.Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &de) && statusOf[de.Code] != 0:
		ev.Status, ev.Detail = statusOf[de.Code], de.Message
		if de.Cause != nil { // as the API's error funnel: the cause to the log, the id to the user
			ev.Quote = true
			c.logCause(ec, de, ev.RequestID)
		}
	case errors.As(err, &he) && he.Code < 500:
		ev.Status = he.Code
	case errors.Is(err, domain.ErrAuditHashDamaged):
		// As the API's audit_damaged: say that the log, not the request,
		// failed, and what an operator must run; which hash, to the log.
		ev.Status, ev.Detail, ev.Quote = http.StatusInternalServerError, msg("error.auditdamaged"), true
		attrs := []any{"request_id", ev.RequestID, "method", ec.Request().Method, "route", ec.Path(), "error", err.Error()}
		var damage *domain.AuditHashDamage
		if errors.As(err, &damage) {
			attrs = append(attrs, "hash_index", damage.Index, "level", damage.Level, "entry", damage.Entry)
		}
		c.Log.Error("audit log damaged: a stored audit entry or hash is missing or malformed; "+
			"exaccess audit verify --db PATH --key VERIFIER_KEY_FILE finds the damaged entries", attrs...)
	default:
		ev.Status, ev.Quote = http.StatusInternalServerError, true
		c.Log.Error("internal error", "request_id", ev.RequestID, "method", ec.Request().Method,
			"route", ec.Path(), "error", err.Error())
	}
	ev.Heading = msg("error." + http.StatusText(ev.Status))
	if strings.HasPrefix(ev.Heading, "error.") {
		ev.Heading = http.StatusText(ev.Status)
	}
	if ev.Status == http.StatusNotFound {
		ev.Detail = msg("error.notfound.detail")
	}
	if rerr := c.render(ec, ev.Status, "error", ev.Heading, ev); rerr != nil {
		c.Log.Error("error page failed", "request_id", ev.RequestID, "error", rerr.Error())
		_ = ec.String(ev.Status, http.StatusText(ev.Status))
	}
}
