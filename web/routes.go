package web

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// access declares who may open a page. Its zero value declares nothing, and
// registering a route with it panics: there is no default.
type access struct {
	public bool          // anyone, signed in or not
	signed bool          // anyone signed in
	roles  []domain.Role // signed in and holding one of these roles
	// approvers: or holding any approver role (withApprovers)
	approvers bool
	// password admits a user signed in with a one-time password, whom every
	// other page sends to the "choose a new password" page.
	password bool
}

func (a access) declared() bool { return a.public || a.signed || a.restricted() }

// restricted reports whether the page is for some roles only.
func (a access) restricted() bool { return len(a.roles) > 0 || a.approvers }

// admits reports whether a role-restricted page admits p.
func (a access) admits(p domain.Principal) bool {
	return p.HasAnyRole(a.roles...) || (a.approvers && p.IsApprover())
}

// withApprovers is a, admitting the approver roles the routing policy adds
// too (domain.AddApproverRoles), which are known only once the policy is
// loaded; a's roles name the built-in ones, as the API's route table does.
func (a access) withApprovers() access { a.approvers = true; return a }

var (
	public   = access{public: true}
	signedIn = access{signed: true}
	// anyone, even before a one-time password is changed
	always      = access{public: true, password: true}
	ownPassword = access{signed: true, password: true}
)

func roles(rs ...domain.Role) access { return access{roles: rs} }

// The console's audiences, as in the API's route table.
var (
	liaison   = roles(domain.RoleLiaison)
	approvers = roles(domain.RoleHNS, domain.RoleRange, domain.RoleOperations, domain.RoleMinistry).withApprovers()
	readers   = roles(domain.RoleLiaison, domain.RoleHNS, domain.RoleRange, domain.RoleOperations,
		domain.RoleMinistry, domain.RoleAuditor).withApprovers()
	auditors = roles(domain.RoleAuditor)
	admins   = roles(domain.RoleAdmin)
	// an administrator sees every delegation and may end any (as in the API)
	approversAndAdmins = roles(domain.RoleHNS, domain.RoleRange, domain.RoleOperations, domain.RoleMinistry, domain.RoleAdmin).withApprovers()
	// delegationReaders may list delegations, as the API's: approvers
	// theirs, auditors and administrators all of them. An auditor only
	// reads: creating and ending stay approversAndAdmins' and approvers'.
	delegationReaders = roles(domain.RoleHNS, domain.RoleRange, domain.RoleOperations, domain.RoleMinistry,
		domain.RoleAuditor, domain.RoleAdmin).withApprovers()
)

type route struct {
	method  string
	path    string
	access  access
	handler echo.HandlerFunc
}

// routes is the console's route table: every page, with who may open it,
// and a GET for every POST-only address (formPages).
func (c *Console) routes() []route {
	table := []route{
		{http.MethodGet, "/static/:name", always, c.handleStatic},
		{http.MethodGet, "/", public, c.handleHome},
		{http.MethodGet, "/sign-in", always, c.handleSignInPage},
		{http.MethodPost, "/sign-in", always, c.handleSignIn},
		{http.MethodPost, "/sign-out", ownPassword, c.handleSignOut},
		{http.MethodGet, pathPassword, ownPassword, c.handlePasswordPage},
		{http.MethodPost, pathPassword, ownPassword, c.handlePasswordChange},
		{http.MethodGet, pathInbox, signedIn, c.handleInbox},
		{http.MethodPost, pathInbox + "/read-all", signedIn, c.handleInboxReadAll},
		{http.MethodPost, pathInbox + "/:id/read", signedIn, c.handleInboxRead},
		{http.MethodPost, pathInbox + "/:id/open", signedIn, c.handleInboxOpen},
		{http.MethodGet, pathSettings, signedIn, c.handleSettingsPage},
		{http.MethodPost, pathSettings, signedIn, c.handleSettingsSave},
		{http.MethodPost, "/account/webhooks", signedIn, c.handleWebhookAdd},
		{http.MethodPost, "/account/webhooks/:id/revoke", signedIn, c.handleWebhookRevoke},

		{http.MethodGet, "/requests", readers, boundedCursors(c.handleMyRequests, "after")},
		{http.MethodGet, "/requests/new", liaison, c.handleNewForm},
		{http.MethodPost, "/requests/new", liaison, c.handleNewPost},
		{http.MethodGet, "/requests/:id", readers, c.handleRequestPage},
		{http.MethodGet, "/requests/:id/edit", liaison, c.handleEditForm},
		{http.MethodPost, "/requests/:id/edit", liaison, c.handleEditPost},
		{http.MethodPost, "/requests/:id/submit", liaison, c.handleSubmit},
		{http.MethodPost, "/requests/:id/withdraw", liaison, c.handleWithdraw},
		{http.MethodGet, "/requests/:id/permit", readers, c.handlePermit},
		{http.MethodGet, "/requests/:id/permit.txt", readers, c.handlePermitDownload},

		{http.MethodGet, "/queue", approvers, boundedCursors(c.handleQueue, "after_due", "after_req", "after_stage")},
		{http.MethodPost, "/requests/:id/decide", approvers, c.handleDecide},
		{http.MethodPost, "/requests/:id/revoke", roles(domain.RoleOperations, domain.RoleMinistry), c.handleRevoke},
		{http.MethodGet, "/delegations", delegationReaders, boundedCursors(c.handleDelegations, "after")},
		{http.MethodPost, "/delegations", approvers, c.handleDelegationCreate},
		{http.MethodPost, "/delegations/:id/revoke", approversAndAdmins, c.handleDelegationRevoke},

		{http.MethodGet, "/audit", auditors, c.handleAudit},
		{http.MethodPost, "/audit/export", auditors, c.handleAuditExport},

		{http.MethodGet, "/admin", admins, c.handleAdmin},
		{http.MethodGet, "/admin/users", admins, boundedCursors(c.handleUsers, "after")},
		{http.MethodGet, "/admin/users/new", admins, c.handleUserNew},
		{http.MethodPost, "/admin/users/new", admins, c.handleUserCreate},
		{http.MethodGet, "/admin/users/:id", admins, c.handleUserPage},
		{http.MethodPost, "/admin/users/:id", admins, c.handleUserChange},
		{http.MethodPost, "/admin/users/:id/disable", admins, c.handleUserDisable},
		{http.MethodPost, "/admin/users/:id/enable", admins, c.handleUserEnable},
		{http.MethodPost, "/admin/users/:id/reset-password", admins, c.handleUserReset},
		{http.MethodGet, "/admin/frameworks/new", admins, c.handleFrameworkNew},
		{http.MethodPost, "/admin/frameworks/new", admins, c.handleFrameworkCreate},
		{http.MethodGet, "/admin/frameworks/:id", admins, c.handleFrameworkEdit},
		{http.MethodPost, "/admin/frameworks/:id", admins, c.handleFrameworkUpdate},
		{http.MethodGet, "/admin/areas/:code", admins, c.handleAreaEdit},
		{http.MethodPost, "/admin/areas/:code", admins, c.handleAreaUpdate},
	}
	return append(table, formPages(table)...)
}

// pageOfForm names the page a GET of a POST-only address goes to where it
// is not the nearest page above the address (formPages).
var pageOfForm = map[string]string{
	"/account/webhooks":            pathSettings,
	"/account/webhooks/:id/revoke": pathSettings,
}

// formPages are GET routes for the addresses of table that only take a
// form (POST): a browser that comes back to one — the back button, a
// bookmark, the return address after signing in — is sent to the page the
// form is on ("/requests/:id/submit" to "/requests/:id"), the nearest page
// above the address unless pageOfForm says otherwise, rather than shown
// "Method Not Allowed". Anyone may follow it: it says nothing, and the page
// it leads to has its own declaration.
func formPages(table []route) []route {
	pages := map[string]bool{}
	for _, r := range table {
		if r.method == http.MethodGet {
			pages[r.path] = true
		}
	}
	var out []route
	for _, r := range table {
		if r.method != http.MethodPost || pages[r.path] {
			continue
		}
		target, named := pageOfForm[r.path]
		if !named {
			target = path.Dir(r.path)
			for !pages[target] && target != "/" {
				target = path.Dir(target)
			}
		}
		out = append(out, route{http.MethodGet, r.path, public, redirectTo(target)})
	}
	return out
}

// redirectTo sends to the route path target, its parameters (":id") taken
// from the request's.
func redirectTo(target string) echo.HandlerFunc {
	return func(ec echo.Context) error {
		segs := strings.Split(target, "/")
		for i, s := range segs {
			if name, ok := strings.CutPrefix(s, ":"); ok {
				segs[i] = url.PathEscape(ec.Param(name))
			}
		}
		return ec.Redirect(http.StatusSeeOther, strings.Join(segs, "/"))
	}
}

const ctxCurrent = "console_current"

// maxForm bounds a form's body, as the API bounds a JSON body.
const maxForm = 1 << 20

// guard runs before every console handler: the page's security headers,
// cross-origin refusal and the CSRF token on every state-changing request,
// then the session and the route's access declaration.
func (c *Console) guard(a access) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(ec echo.Context) error {
			c.pageHeaders(ec)
			r := ec.Request()
			unsafe := r.Method != http.MethodGet && r.Method != http.MethodHead
			if unsafe {
				r.Body = http.MaxBytesReader(ec.Response(), r.Body, maxForm)
				if err := c.cop.Check(r); err != nil {
					return errCrossOrigin
				}
				if err := readForm(r); err != nil {
					return err
				}
			}
			cur, err := c.loadSession(ec)
			if err != nil {
				return err
			}
			if cur != nil {
				ec.Set(ctxCurrent, cur)
				if cur.User.MustChangePassword && !a.password {
					return ec.Redirect(http.StatusSeeOther, pathPassword)
				}
			}
			if a.public {
				return next(ec)
			}
			if cur == nil {
				return ec.Redirect(http.StatusSeeOther, signInPath(r))
			}
			if unsafe {
				// Every form of a signed-in user counts as one API
				// request of theirs (--rate-user), before anything is done.
				if err := c.limitUser(ec, cur.Principal); err != nil {
					return err
				}
				if !validCSRF(cur.Session, r.PostFormValue("csrf")) {
					return errBadToken
				}
			}
			if a.restricted() && !a.admits(cur.Principal) {
				err = domain.Errorf(domain.CodeForbidden, "your role may not open this page")
			} else {
				err = next(ec)
			}
			c.recordRefusal(ec, cur.Principal, err)
			return err
		}
	}
}

// readForm reads the form of r, before its session or token is looked at
// and before any handler runs. Every form of the console is sent as
// application/x-www-form-urlencoded; any other body is refused unread (a
// multipart body would be parsed into memory and temporary files). A form
// over maxForm is refused as a whole (over the cap the token would not be
// readable, which is no forgery), so that nothing of it is done. So is a
// form holding text that is not UTF-8 (the console's pages are UTF-8, and
// so is what browsers send from them): SQLite stored its bytes as they
// were, and PostgreSQL refused them with a server error.
func readForm(r *http.Request) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationForm {
		return domain.Errorf(codeUnsupportedMedia, "forms must be sent as %s, as the console's pages send them; this one was not read", echo.MIMEApplicationForm)
	}
	err := r.ParseForm()
	var over *http.MaxBytesError
	switch {
	case errors.As(err, &over):
		return errFormTooBig
	case err != nil:
		return domain.Errorf(domain.CodeBadRequest, "the form could not be read")
	}
	for name, values := range r.Form {
		if !utf8.ValidString(name) || slices.ContainsFunc(values, func(v string) bool { return !utf8.ValidString(v) }) {
			return domain.Errorf(domain.CodeBadRequest, "the form holds text that is not UTF-8, and was not read: send it from the console's page")
		}
	}
	return nil
}

// recordRefusal writes a refused attempt on one existing request (a page
// under /requests/:id) to the audit log, as the API does: who tried what.
func (c *Console) recordRefusal(ec echo.Context, p domain.Principal, cause error) {
	if cause == nil || !strings.HasPrefix(ec.Path(), "/requests/:id") {
		return
	}
	ctx := context.WithoutCancel(ec.Request().Context())
	if err := c.Refusals.Record(ctx, p, ec.Param("id"), "console "+ec.Request().Method+" "+ec.Path(), cause); err != nil {
		c.Log.Error("record refusal", "error", err.Error())
	}
}

// signInPath sends a caller without a session to sign in, then back. A
// form posted after the session ended did nothing: the sign-in page says
// so (ended=1) rather than drop what was sent without a word. Signing out
// without a session is no lost form: it is done, and goes to the page
// that says so, with no way back to signing out.
func signInPath(r *http.Request) string {
	if r.Method == http.MethodPost && r.URL.Path == "/sign-out" {
		return "/sign-in?out=1"
	}
	q := url.Values{"next": {nextPath(r)}}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		q.Set("ended", "1")
	}
	return "/sign-in?" + q.Encode()
}

// oneOffParams are the query parameters that tell of something just done
// ("?done=submitted", "?saved=1"): a return address after signing in
// leaves them out, since whoever signs in did not do it.
var oneOffParams = []string{"done", "saved", "added", "revoked", "password", "out", "created", "reset", "saved_fw", "saved_area"}

// nextPath is where to return after signing in: a GET's own address
// without its one-off notices, or after a form the form's own address,
// which leads back to the page the form is on (the page itself, or its
// GET route of formPages).
func nextPath(r *http.Request) string {
	if r.Method != http.MethodGet {
		return r.URL.EscapedPath()
	}
	q, dropped := r.URL.Query(), false
	for _, k := range oneOffParams {
		if q.Has(k) {
			q.Del(k)
			dropped = true
		}
	}
	if !dropped {
		return r.URL.RequestURI()
	}
	if len(q) == 0 {
		return r.URL.EscapedPath()
	}
	return r.URL.EscapedPath() + "?" + q.Encode()
}

func currentOf(ec echo.Context) *current {
	cur, _ := ec.Get(ctxCurrent).(*current)
	return cur
}

func principalOf(ec echo.Context) domain.Principal {
	if cur := currentOf(ec); cur != nil {
		return cur.Principal
	}
	return domain.Principal{}
}
